"""Response shape: the positive GET /info answers a ModelInfo, as the reference defines it."""
import pytest

from infocheck.contracts.info import checks

requirement = pytest.mark.requirement


@requirement("SHAPE-200")
def test_info_answers_200_with_valid_credentials(baseline):
    checks.status_200(baseline)


@requirement("SHAPE-JSON")
def test_answer_has_a_json_media_type(working_baseline):
    checks.json_media_type(working_baseline)


@requirement("SHAPE-MODELINFO")
def test_body_is_a_model_info(working_baseline, info):
    checks.model_info(working_baseline, info.api_version)


@requirement("SHAPE-CHARSET")
def test_charset_if_any_is_utf8(working_baseline):
    checks.charset_utf8(working_baseline)


@requirement("SHAPE-NO-BOM")
def test_body_has_no_byte_order_mark(working_baseline):
    checks.no_bom(working_baseline)


@requirement("SHAPE-UNIQUE-MEMBERS")
def test_no_member_name_is_repeated(working_baseline):
    checks.unique_members(working_baseline)


@requirement("SHAPE-NO-NULL")
def test_no_member_is_null(working_baseline):
    checks.no_null_members(working_baseline)


@requirement("SHAPE-MODEL-TYPE-SPELLING")
def test_model_type_is_a_documented_spelling(working_baseline, info):
    checks.model_type_spelling(working_baseline, info.api_version)
