"""Survivors of the mutation runs of the fleet modules after the split (issue 25), each killed by
a test of behaviour: how a target is judged again from its report (fleet/rejudge.py), how
reports are merged into one fleet (fleet/merge.py), and what the probe sends (wire/probe.py)."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from harness import conformant_report, serve


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """A real report of a conformant served endpoint, to be read and tampered with."""
    return conformant_report(tmp_path_factory.mktemp("genuine"))


@pytest.fixture
def report(genuine):
    return copy.deepcopy(genuine)


# -- fleet/rejudge.py: the catalogue and the policy a run judged by ----------------------------------

def test_rejudge_levels_are_the_shipped_ones_changed_only_where_the_policy_may_and_a_teams_as_recorded():
    from infocheck.fleet import rejudge

    result = {"contract": "info", "requirements": [
        {"id": "SHAPE-CHARSET", "level": "MUST"},                       # shipped SHOULD, recorded MUST
        {"id": "SHAPE-NO-BOM", "level": "SHOULD"},                      # the policy makes it a MUST
        {"id": "SHAPE-200", "level": "SHOULD"},                         # fixed: no policy changes it
        {"id": "SHAPE-NO-NULL", "level": "SHOULD"},                     # a policy entry that is no change
        {"id": "TEAM-ONE", "level": "SHOULD", "area": "team", "statement": "s", "source": "ours"},
        {"id": "TEAM-TWO"},                                             # a team's, no level recorded
    ], "policy": {"SHAPE-NO-BOM": {"level": "MUST"}, "SHAPE-200": {"level": "SHOULD"},
                  "SHAPE-NO-NULL": "MUST"}}
    catalogue = rejudge.catalogue_of(result)
    assert {i: r.level for i, r in catalogue.items()} == {
        "SHAPE-CHARSET": "SHOULD", "SHAPE-NO-BOM": "MUST", "SHAPE-200": "MUST", "SHAPE-NO-NULL": "SHOULD",
        "TEAM-ONE": "SHOULD", "TEAM-TWO": "MUST"}
    team = catalogue["TEAM-ONE"]
    assert (team.area, team.statement, team.source) == ("team", "s", "ours")
    assert (catalogue["TEAM-TWO"].area, catalogue["TEAM-TWO"].statement, catalogue["TEAM-TWO"].source) == ("", "", "")
    assert rejudge.catalogue_of(dict(result, policy=None))["SHAPE-NO-BOM"].level == "SHOULD"


def test_rejudge_takes_the_shape_of_the_contract_the_report_names_info_when_it_names_none():
    from infocheck import contracts
    from infocheck.fleet import rejudge
    from infocheck.judging.catalogue import Shape

    assert rejudge.catalogue_of({"contract": "models"}).positive == "MODELS-LIST-200"
    assert rejudge.catalogue_of({"contract": "models"}).shape == contracts.get("models").catalogue.shape
    assert rejudge.catalogue_of({}).positive == "SHAPE-200"
    assert rejudge.catalogue_of({"contract": None}).positive == "SHAPE-200"
    assert rejudge.catalogue_of({"contract": "no-such-contract"}).shape == Shape()
    shipped = rejudge._shipped()
    assert rejudge._shipped() is shipped   # built once, not again for each of a merge's targets
    assert shipped["SHAPE-200"] == ("MUST", True) and shipped["SHAPE-CHARSET"] == ("SHOULD", False)
    assert shipped["MODELS-LIST-200"] == ("MUST", True)


@pytest.mark.parametrize("started, day", [
    ("2026-12-03T14:00:00+00:00", dt.date(2026, 12, 3)),     # 14 hours earlier is still that day
    ("2026-12-03T13:59:59+00:00", dt.date(2026, 12, 2)),     # a second less is the day before
    ("2026-12-03T01:00:00+05:00", dt.date(2026, 12, 2)),
    ("2026-12-03T00:30:00", dt.date(2026, 12, 3)),           # no time zone: its own day
])
def test_rejudge_judges_waivers_by_the_runs_day_in_the_earliest_time_zone(started, day):
    from infocheck.fleet import rejudge

    assert rejudge.policy_of({"started": started}).today == day


def test_rejudge_judges_waivers_by_today_when_the_start_cannot_be_read():
    from infocheck.fleet import rejudge

    before = dt.date.today()
    today = rejudge.policy_of({"started": "not a time"}).today
    assert before <= today <= dt.date.today()
    assert rejudge.policy_of({}).today == today


def test_rejudge_reads_every_waiver_that_can_be_read_and_skips_the_others():
    from infocheck.fleet import rejudge
    from infocheck.judging.waivers import Waiver

    policy = rejudge.policy_of({"waivers": [
        {"requirement": "A-1", "reason": "unreadable", "expires": "soon"},
        {"requirement": "A-2", "reason": "known", "expires": "2027-01-31T00:00:00+00:00"},
        {"test": "suites/x.py::test_y", "reason": 7, "expires": "2027-02-01"},
        {"requirement": "A-3", "test": "ignored::because", "expires": "2027-02-02"},
    ], "fail_on_should": "yes"})
    assert policy.waivers == (Waiver("A-2", None, "known", dt.date(2027, 1, 31)),
                              Waiver(None, "suites/x.py::test_y", "7", dt.date(2027, 2, 1)),
                              Waiver("A-3", None, "", dt.date(2027, 2, 2)))
    assert policy.fail_on_should is False
    assert rejudge.policy_of({"fail_on_should": True}).fail_on_should is True
    assert rejudge.policy_of({"fail_on_should": 1}).fail_on_should is False   # only JSON's true


def test_rejudge_reads_the_waivers_of_a_report_from_before_waivers_from_its_requirements_and_expired_ones():
    from infocheck.fleet import rejudge
    from infocheck.judging.waivers import Waiver

    policy = rejudge.policy_of({"requirements": [
        {"id": "A-1", "waiver": {"reason": "r1", "expires": "2027-01-01"}},
        {"id": "A-2", "waiver": None},
    ], "expired_waivers": [
        {"subject": "A-2", "reason": "r2", "expires": "2026-01-01"},
        {"subject": "suites/x.py::test_z", "reason": "r3", "expires": "2026-01-02"},
    ]})
    assert policy.waivers == (Waiver("A-1", None, "r1", dt.date(2027, 1, 1)),
                              Waiver("A-2", None, "r2", dt.date(2026, 1, 1)),
                              Waiver(None, "suites/x.py::test_z", "r3", dt.date(2026, 1, 2)))


def test_rejudge_reads_each_result_as_unsettled_failure_or_as_it_was():
    from infocheck.fleet import rejudge
    from infocheck.judging.outcome import Outcome

    tests = rejudge.outcomes_of({"results": [
        {"test": "t::passed", "requirements": ["A-1"], "outcome": "passed", "api_version": "v1", "levels": ["MUST"]},
        {"test": "t::pass-that-failed", "requirements": ["A-1"], "outcome": "passed", "failed_requirements": ["A-1"]},
        {"test": "t::finding", "outcome": "finding", "failed_requirements": ["A-2"]},
        {"test": "t::waived", "outcome": "waived", "failed_requirements": ["A-2"]},
        {"test": "t::weird", "outcome": "no such outcome"},
        {"outcome": "skipped"},
        # only a pass that names a failure is one: a skip or an error that does stays what it was
        {"test": "t::skipped", "outcome": "skipped", "failed_requirements": ["A-3"]},
        {"test": "t::error", "outcome": "error", "failed_requirements": ["A-3"]},
    ]})
    assert [(t.nodeid, t.outcome, t.settled) for t in tests] == [
        ("t::passed", Outcome.PASSED, True), ("t::pass-that-failed", Outcome.FAILED, False),
        ("t::finding", Outcome.FAILED, False), ("t::waived", Outcome.FAILED, False),
        ("t::weird", Outcome.NOT_RUN, True), ("", Outcome.SKIPPED, True),
        ("t::skipped", Outcome.SKIPPED, True), ("t::error", Outcome.ERROR, True)]
    first = tests[0]
    assert (first.requirements, first.failed_requirements, first.api_version, first.levels) == (
        ("A-1",), (), "v1", ("MUST",))
    assert tests[1].failed_requirements == ("A-1",) and tests[5].api_version == "" and tests[5].levels == ()


# -- fleet/rejudge.py: what the results give ---------------------------------------------------------

def _positive(report):
    return next(r for r in report["results"] if "SHAPE-200" in r["requirements"])


def _fail(result, *requirements):
    result.update(outcome="failed", failed_requirements=list(requirements))


def test_rejudge_gives_a_genuine_report_its_own_verdicts_and_a_pass(report):
    from infocheck.fleet import rejudge

    code, why, verdicts = rejudge.from_results(report)
    assert (code, why) == (0, "")
    assert verdicts == {r["id"]: r["verdict"] for r in report["requirements"]}


def test_rejudge_names_at_most_six_failed_requirements_in_order(report):
    from infocheck.fleet import rejudge

    musts = sorted({i for r in report["results"] for i in r["requirements"]
                    if i != "SHAPE-200" and report_level(report, i) == "MUST"})
    assert len(musts) > 7
    failing = [r for r in report["results"] if r["requirements"] and r["requirements"][0] in musts]
    for r in failing:
        _fail(r, r["requirements"][0])
    chosen = sorted({r["requirements"][0] for r in failing})
    code, why, _ = rejudge.from_results(report)
    assert code == 1 and why == "failed " + ", ".join(chosen[:6])


def report_level(report, requirement_id):
    return next(r["level"] for r in report["requirements"] if r["id"] == requirement_id)


def test_rejudge_names_only_what_failed_not_a_finding_nor_an_error_beside_it(report):
    from infocheck.fleet import rejudge

    should = next(r for r in report["results"] if r["levels"] == ["SHOULD"])
    _fail(should, should["requirements"][0])
    errored = next(r for r in report["results"] if r["levels"] == ["MUST"] and "SHAPE-200" not in r["requirements"])
    errored.update(outcome="error", failed_requirements=[errored["requirements"][0]])
    _fail(_positive(report), "SHAPE-200")
    code, why, verdicts = rejudge.from_results(report)
    assert (code, why) == (1, "failed SHAPE-200")
    assert verdicts[should["requirements"][0]] == "finding" and verdicts[errored["requirements"][0]] == "failed"


def test_rejudge_a_failure_only_a_should_is_a_finding_unless_shoulds_fail(report):
    from infocheck.fleet import rejudge

    should = next(r for r in report["results"] if r["levels"] == ["SHOULD"])
    _fail(should, should["requirements"][0])
    code, why, verdicts = rejudge.from_results(report)
    assert (code, why, verdicts[should["requirements"][0]]) == (0, "", "finding")
    code, why, verdicts = rejudge.from_results(dict(report, fail_on_should=True))
    assert (code, why) == (1, f"failed {should['requirements'][0]}")


def test_rejudge_an_expired_waiver_without_a_failure_fails_and_says_so(report):
    from infocheck.fleet import rejudge

    report["waivers"] = [{"requirement": "SHAPE-JSON", "reason": "old", "expires": "2020-01-01"}]
    code, why, _ = rejudge.from_results(report)
    assert (code, why) == (1, "a waiver it recorded has expired")


def test_rejudge_a_check_not_tested_and_a_test_that_errored_are_could_not_test(report):
    from infocheck.fleet import rejudge

    untested = copy.deepcopy(report)
    untested["results"][0]["outcome"] = "not tested"
    code, why, _ = rejudge.from_results(untested)
    assert (code, why) == (2, "a check was not tested, or the positive request did not pass")
    errored = copy.deepcopy(report)
    errored["results"][0]["outcome"] = "error"
    code, why, _ = rejudge.from_results(errored)
    assert (code, why) == (2, "a test errored")
    # An error beside a failure: the failure is what the run comes to.
    _fail(_positive(errored), "SHAPE-200")
    code, why, _ = rejudge.from_results(errored)
    assert (code, why) == (1, "failed SHAPE-200")


def test_rejudge_no_results_or_none_of_the_recorded_requirements_is_never_a_pass_nor_hides_a_failure(report):
    from infocheck.fleet import rejudge

    empty = dict(copy.deepcopy(report), results=[])
    assert rejudge.from_results(empty)[:2] == (2, "it holds no test results: nothing shows a check ran")
    expired = dict(empty, waivers=[{"requirement": "SHAPE-JSON", "reason": "old", "expires": "2020-01-01"}])
    assert rejudge.from_results(expired)[:2] == (1, "it holds no test results: nothing shows a check ran")
    stray = copy.deepcopy(report)
    stray["results"] = [dict(stray["results"][0], requirements=["NOT-RECORDED"], failed_requirements=[])]
    assert rejudge.from_results(stray)[:2] == (
        2, "none of its test results checks a requirement it records: nothing shows a check ran")
    # a failed requirement it records is a check that ran
    failed_only = copy.deepcopy(report)
    failed_only["results"] = [dict(_positive(failed_only), requirements=[], outcome="failed",
                                   failed_requirements=["SHAPE-200"])]
    assert rejudge.from_results(failed_only)[:2] == (1, "failed SHAPE-200")


def test_rejudge_a_run_of_the_embedded_server_is_never_a_pass_whatever_else(report):
    from infocheck.fleet import rejudge

    assert rejudge.from_results(dict(report, embedded_server=True))[:2] == (
        2, "it checked infocheck's embedded reference server, not an endpoint")
    assert rejudge.from_results(dict(report, embedded_server="yes"))[:2] == (0, "")
    assert rejudge.from_results(dict(report, embedded_server=1))[:2] == (0, "")   # true only as JSON's true
    failing = copy.deepcopy(report)
    _fail(_positive(failing), "SHAPE-200")
    assert rejudge.from_results(dict(failing, embedded_server=True))[:2] == (
        1, "it checked infocheck's embedded reference server, not an endpoint")


def test_rejudge_keeps_only_worse_words_of_the_report_and_believes_six_failures_at_most(report):
    from infocheck.fleet import rejudge

    ids = [r["id"] for r in report["requirements"] if r["verdict"] == "passed"]
    assert len(ids) > 10
    words = {ids[0]: "not tested", ids[1]: "finding", ids[2]: "skipped", ids[3]: "waived", ids[4]: "nonsense"}
    said_failed = ids[5:13]
    for r in report["requirements"]:
        r["verdict"] = words.get(r["id"], "failed" if r["id"] in said_failed else r["verdict"])
    code, why, verdicts = rejudge.from_results(report)
    assert {i: verdicts[i] for i in ids[:5]} == {ids[0]: "not tested", ids[1]: "finding", ids[2]: "passed",
                                                 ids[3]: "passed", ids[4]: "passed"}
    assert all(verdicts[i] == "failed" for i in said_failed)
    listed = [r["id"] for r in report["requirements"] if r["id"] in said_failed]
    assert (code, why) == (1, f"its report records {', '.join(listed[:6])} failed")


@pytest.mark.parametrize("words", ["not tested", "finding", "waived", "passed"])
def test_rejudge_words_better_than_a_failure_the_results_show_do_not_make_it_better(report, words):
    from infocheck.fleet import rejudge

    _fail(_positive(report), "SHAPE-200")
    for r in report["requirements"]:
        if r["id"] == "SHAPE-200":
            r["verdict"] = words
    code, why, verdicts = rejudge.from_results(report)
    assert (code, why, verdicts["SHAPE-200"]) == (1, "failed SHAPE-200", "failed")


def test_rejudge_words_that_agree_with_the_results_add_nothing_to_them(report):
    from infocheck.fleet import rejudge

    errored = next(r for r in report["results"] if r["levels"] == ["MUST"] and "SHAPE-200" not in r["requirements"])
    broke = errored["requirements"][0]
    errored.update(outcome="error", failed_requirements=[broke])   # a test that broke on its check
    for r in report["requirements"]:
        if r["id"] == broke:
            r["verdict"] = "failed"
    code, why, verdicts = rejudge.from_results(report)
    assert (code, why, verdicts[broke]) == (2, "a test errored", "failed")


def test_rejudge_a_requirement_the_results_failed_is_not_called_said_failed(report):
    from infocheck.fleet import rejudge

    _fail(_positive(report), "SHAPE-200")
    for r in report["requirements"]:
        if r["id"] == "SHAPE-200":
            r["verdict"] = "failed"
    code, why, verdicts = rejudge.from_results(report)
    assert (code, why, verdicts["SHAPE-200"]) == (1, "failed SHAPE-200", "failed")


def test_rejudge_words_that_a_requirement_failed_outrank_could_not_test_but_not_infocheck_failing(report):
    from infocheck.fleet import rejudge

    must = next(r for r in report["requirements"] if r["level"] == "MUST" and r["id"] != "SHAPE-200")
    must["verdict"] = "failed"
    report["results"][0]["outcome"] = "not tested"
    assert rejudge.from_results(report)[:2] == (1, f"its report records {must['id']} failed")


# -- fleet/rejudge.py: the entry ---------------------------------------------------------------------

def test_rejudged_an_entry_without_a_result_is_infocheck_failing_only_where_it_said_conformant():
    from infocheck.fleet import rejudge

    said_pass = {"name": "a", "exit_code": 0, "verdict": "CONFORMANT", "result": None}
    assert rejudge.rejudged(said_pass) == dict(said_pass, exit_code=3, verdict="INTERNAL ERROR",
                                              problem="its report says CONFORMANT but holds no result")
    for code in (1, 2, 3):
        entry = {"name": "a", "exit_code": code, "verdict": "x", "result": None, "problem": "p"}
        assert rejudge.rejudged(entry) is entry


def test_rejudged_a_genuine_entry_is_as_it_was(report):
    from infocheck.fleet import model, rejudge

    entry = model.target_entry("a", report)
    again = rejudge.rejudged(copy.deepcopy(entry))
    assert again == entry and "problem" in again and again["problem"] is None


def test_rejudged_a_worse_entry_or_result_keeps_what_it_said(report):
    from infocheck.fleet import model, rejudge

    entry = model.target_entry("a", report)
    worse_entry = dict(entry, exit_code=2, verdict="COULD NOT TEST")
    assert rejudge.rejudged(copy.deepcopy(worse_entry)) == worse_entry
    worse_result = copy.deepcopy(entry)
    worse_result["result"].update(exit_code=1, verdict="NOT CONFORMANT")
    again = rejudge.rejudged(copy.deepcopy(worse_result))
    assert (again["exit_code"], again["verdict"], again["problem"]) == (1, "NOT CONFORMANT", None)
    assert again["result"]["exit_code"] == 1 and again["result"]["explanation"] == report["explanation"]


def test_rejudged_an_entry_its_results_make_worse_says_what_it_said_and_why(report):
    from infocheck.fleet import model, rejudge

    _fail(_positive(report), "SHAPE-200")
    entry = model.target_entry("a", report, problem="it was slow")
    again = rejudge.rejudged(entry)
    assert (again["exit_code"], again["verdict"]) == (1, "NOT CONFORMANT")
    assert again["problem"] == ("its report says CONFORMANT (exit 0); its results give NOT CONFORMANT "
                                "(exit 1): failed SHAPE-200; it was slow")
    result = again["result"]
    assert (result["exit_code"], result["verdict"], result["explanation"]) == (
        1, "NOT CONFORMANT", "a MUST requirement failed")
    assert {r["id"]: r["verdict"] for r in result["requirements"]}["SHAPE-200"] == "failed"
    plain = rejudge.rejudged(model.target_entry("b", copy.deepcopy(result) | {"exit_code": 0, "verdict": "CONFORMANT"}))
    assert plain["problem"] == ("its report says CONFORMANT (exit 0); its results give NOT CONFORMANT "
                                "(exit 1): failed SHAPE-200")


def test_rejudged_an_entry_whose_result_gives_a_status_without_an_explanation_keeps_the_results(report):
    from infocheck.fleet import model, rejudge

    entry = model.target_entry("a", report)
    entry["exit_code"] = 5   # a status no code names: the worst of 5 and 0 is 5, which it said
    again = rejudge.rejudged(copy.deepcopy(entry))
    assert again["exit_code"] == 5 and again["result"]["explanation"] == report["explanation"]
    entry["result"]["results"] = []
    entry["exit_code"] = 5
    again = rejudge.rejudged(entry)
    # no results give 2, and 2 ranks before a status no code names
    assert again["exit_code"] == 2 and again["result"]["explanation"] == \
        "the endpoint could not be checked completely (see 'not tested')"


# -- fleet/merge.py: what the merged reports cover ---------------------------------------------------

def _report(*, single=False, fleet_slice=None, fleet=None, indexes=(), missing=()):
    from infocheck.fleet.reading import Report
    return Report("r.json", [], single, fleet_slice, fleet, indexes, missing)


def _fleet(size, slices, digest="d" * 64):
    return {"targets": size, "slices": slices, "names_sha256": digest}


def test_merge_coverage_of_reports_from_before_the_fleet_record_is_by_slice_number():
    from infocheck.fleet.merge import coverage

    assert coverage([_report(fleet_slice="1/3"), _report(fleet_slice="3/3")]) == (None, ["2/3"])
    # a slice number outside 1..N holds nothing; two slicings are each checked
    assert coverage([_report(fleet_slice="4/3"), _report(fleet_slice="0/3"), _report(fleet_slice="3/3"),
                     _report(fleet_slice="2/2")]) == (None, ["1/3", "2/3", "1/2"])
    assert coverage([_report(fleet_slice="1/1")]) == (None, [])
    # a slice 0 is not one of the 20 either: 19 are missing, 10 of them named
    assert coverage([_report(fleet_slice="0/20"), _report(fleet_slice="20/20")]) == (
        None, [f"{k}/20" for k in range(1, 11)] + ["and 9 more"])
    # the whole fleet from before the record: nothing is missing, nothing is known of the fleet
    assert coverage([_report()]) == (None, [])


def test_merge_coverage_keeps_what_a_report_from_before_the_record_says_is_missing_once():
    from infocheck.fleet.merge import coverage

    assert coverage([_report(missing=["2/3"]), _report(missing=["2/3", "3/3"])]) == (None, ["2/3", "3/3"])
    # a report that records its fleet is checked by its places, not by what it says is missing
    assert coverage([_report(fleet=_fleet(1, 1), indexes=[1], missing=["2/3"])]) == (_fleet(1, 1), [])
    # a single run's report says nothing of any fleet
    assert coverage([_report(single=True, fleet_slice="1/3", fleet=_fleet(4, 1), missing=["x"]),
                     _report(fleet=_fleet(2, 1), indexes=[1, 2])]) == (_fleet(2, 1), [])


def test_merge_coverage_of_an_unsliced_fleet_names_each_place_no_report_holds():
    from infocheck.fleet.merge import coverage

    assert coverage([_report(fleet=_fleet(5, 1), indexes=[1, 2]), _report(fleet=_fleet(5, 1), indexes=[4, 0, 6])]) == (
        _fleet(5, 1), ["#3", "#5"])
    assert coverage([_report(fleet=_fleet(3, 1), indexes=[3, 1, 2])]) == (_fleet(3, 1), [])
    # a place 0 is not one of the 20: 19 are missing, 10 of them named
    assert coverage([_report(fleet=_fleet(20, 1), indexes=[0, 20])]) == (
        _fleet(20, 1), [f"#{i}" for i in range(1, 11)] + ["and 9 more"])


def test_merge_coverage_of_a_sliced_fleet_names_each_slice_not_wholly_held():
    from infocheck.fleet.merge import coverage

    # 7 targets in 3 slices: slice 1 holds places 1, 4, 7; slice 2 holds 2, 5; slice 3 holds 3, 6
    whole = {1: [1, 4, 7], 2: [2, 5], 3: [3, 6]}
    assert coverage([_report(fleet=_fleet(7, 3), indexes=whole[k]) for k in (1, 2, 3)]) == (_fleet(7, 3), [])
    assert coverage([_report(fleet=_fleet(7, 3), indexes=whole[1]),
                     _report(fleet=_fleet(7, 3), indexes=[2])]) == (_fleet(7, 3), ["2/3", "3/3"])
    assert coverage([_report(fleet=_fleet(7, 3), indexes=[1, 4]), _report(fleet=_fleet(7, 3), indexes=whole[2]),
                     _report(fleet=_fleet(7, 3), indexes=whole[3])]) == (_fleet(7, 3), ["1/3"])
    assert coverage([_report(fleet=_fleet(7, 3), indexes=[4, 7, 2, 5, 3, 6])]) == (_fleet(7, 3), ["1/3"])
    assert coverage([_report(fleet=_fleet(4, 2), indexes=[1, 3])]) == (_fleet(4, 2), ["2/2"])
    # a fleet of hundreds in two slices, each wholly held
    assert coverage([_report(fleet=_fleet(600, 2), indexes=range(1, 601, 2)),
                     _report(fleet=_fleet(600, 2), indexes=range(2, 601, 2))]) == (_fleet(600, 2), [])
    # a fleet smaller than its slice count: only the slices that can hold a target
    assert coverage([_report(fleet=_fleet(2, 3), indexes=[1])]) == (_fleet(2, 3), ["2/3"])
    assert coverage([_report(fleet=_fleet(2, 3), indexes=[2, 1])]) == (_fleet(2, 3), [])


def test_merge_coverage_of_reports_that_disagree_on_the_slices_is_by_place():
    from infocheck.fleet.merge import coverage

    fleet, missing = coverage([_report(fleet=_fleet(4, 2), indexes=[1, 3]), _report(fleet=_fleet(4, 3), indexes=[2])])
    assert (fleet, missing) == (_fleet(4, 1), ["#4"])


def test_merge_coverage_of_two_fleets_or_a_fleet_beside_an_old_slicing_names_no_fleet():
    from infocheck.fleet.merge import coverage

    one, other = _fleet(2, 1, "a" * 64), _fleet(2, 1, "b" * 64)
    assert coverage([_report(fleet=one, indexes=[1, 2]), _report(fleet=other, indexes=[2])]) == (None, ["#1"])
    assert coverage([_report(fleet=one, indexes=[1]), _report(fleet_slice="2/2")]) == (None, ["1/2", "#2"])
    # the same digest of another size is another fleet
    assert coverage([_report(fleet=one, indexes=[1, 2]), _report(fleet=_fleet(3, 1, "a" * 64), indexes=[1, 2, 3])])[0] is None


@pytest.mark.parametrize("count, present, shown", [
    (10, set(), [f"#{i}" for i in range(1, 11)]),
    (11, set(), [f"#{i}" for i in range(1, 11)] + ["and 1 more"]),
    (12, {1}, [f"#{i}" for i in range(2, 12)] + ["and 1 more"]),
    (30, {1, 2, 3, 4, 5, 20}, [f"#{i}" for i in range(6, 16)] + ["and 14 more"]),
    (5, {2, 4}, ["#1", "#3", "#5"]),
    (5, {5}, ["#1", "#2", "#3", "#4"]),
    (3, {1, 2, 3}, []),
    (0, set(), []),
])
def test_merge_names_the_first_ten_places_missing_and_counts_the_rest(count, present, shown):
    from infocheck.fleet.merge import _absent

    assert _absent(count, present, lambda i: f"#{i}") == shown


def test_merge_names_the_places_missing_after_hundreds_held():
    from infocheck.fleet.merge import _absent

    assert _absent(305, set(range(1, 301)), lambda i: f"#{i}") == ["#301", "#302", "#303", "#304", "#305"]
    assert _absent(1000, set(range(1, 700)) | {701}, lambda i: f"#{i}") == [
        "#700"] + [f"#{i}" for i in range(702, 711)] + ["and 290 more"]


def test_merge_walks_the_gaps_not_the_places_of_a_hostile_size():
    from infocheck.fleet.merge import _absent

    named = []
    found = _absent(10**12, {3}, lambda i: named.append(i) or f"#{i}")
    assert named == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert found[-1] == f"and {10**12 - 11} more"


# -- fleet/merge.py: merging ---------------------------------------------------------------------------

def _entry(name, genuine, **options):
    from infocheck.fleet import model
    return model.target_entry(name, copy.deepcopy(genuine), **options)


def _write(tmp_path, document, folder):
    import json
    path = tmp_path / folder / "infocheck.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return str(path)


def test_merge_refuses_a_target_twice_whatever_its_case_and_names_both_reports(tmp_path, genuine):
    from infocheck.fleet import merge, model

    first = _write(tmp_path, model.document([_entry("East", genuine)]), "one")
    second = _write(tmp_path, model.document([_entry("west", genuine), _entry("EAST", genuine)]), "two")
    with pytest.raises(merge.ReportError) as refused:
        merge.merged([first, second])
    assert str(refused.value) == f"{second}: target EAST is also in {first}"
    with pytest.raises(merge.ReportError, match="target east is also in"):
        merge.merged([_write(tmp_path, model.document([_entry("east", genuine),
                                                         _entry("east", genuine)]), "three")])


def test_merge_places_targets_without_an_index_after_those_before_them_in_the_order_read(tmp_path, genuine):
    from infocheck.fleet import merge, model

    first = _write(tmp_path, model.document([_entry(n, genuine) for n in ("a", "b")]), "one")
    second = _write(tmp_path, model.document([_entry("c", genuine, index=1),
                                              _entry("d", genuine)]), "two")
    found = merge.merged([first, second])
    try:
        assert [s["index"] for s in found.summaries] == [1, 2, 1, 4]
        assert [e["name"] for e in found.entries()] == ["a", "c", "b", "d"]
        assert [e["index"] for e in found.entries()] == [1, 1, 2, 4]
        entries = list(found.entries())
        assert [{r["target"] for r in e["result"]["results"]} for e in entries] == [{"a"}, {"c"}, {"b"}, {"d"}]
        assert all(e["result"]["requirements"] == genuine["requirements"] for e in entries)
        assert not found.single
    finally:
        found.close()


def test_merge_of_one_single_run_is_single_and_of_more_is_not(tmp_path, genuine):
    from infocheck.fleet import merge, model

    one = _write(tmp_path, genuine, "eastus2")
    found = merge.merged([one])
    assert found.single and [s["name"] for s in found.summaries] == ["eastus2"]
    found.close()
    found = merge.merged([one, _write(tmp_path, genuine, "westus")])
    assert not found.single
    found.close()
    found = merge.merged([_write(tmp_path, model.document([_entry("a", genuine)]), "fleet")])
    assert not found.single
    found.close()
    nothing = merge.Merge()
    assert not nothing.single   # nothing read is no single run
    nothing.close()


def test_merge_head_judges_the_fleet_and_what_it_lacks(tmp_path, genuine):
    from infocheck.fleet import merge, model

    names = ["a", "b", "c"]
    identity = model.fleet_identity(names, 3)
    slices = [_write(tmp_path, dict(model.document([_entry(n, genuine, index=i)], f"{i}/3", fleet=identity)),
                     f"s{i}") for i, n in enumerate(names, 1)]
    found = merge.merged(slices[:2])
    try:
        head = found.head()
        assert head["exit_code"] == 2 and head["missing"] == ["3/3"] and head["fleet"] == identity
        assert head["counts"] == {"CONFORMANT": 2}
    finally:
        found.close()
    found = merge.merged(slices)
    try:
        head = found.head()
        assert head["exit_code"] == 0 and "missing" not in head and head["fleet"] == identity
    finally:
        found.close()


def test_merge_writes_its_links_relative_to_where_it_writes_and_leaves_no_link_none(tmp_path, genuine):
    import json

    from infocheck.fleet import merge, model

    entries = [_entry("a", genuine, detail="targets/a/infocheck.html"), _entry("b", genuine)]
    source = _write(tmp_path, model.document(entries), "in")
    (tmp_path / "in" / "targets" / "a").mkdir(parents=True)
    (tmp_path / "in" / "targets" / "a" / "infocheck.html").write_text("<html></html>")
    out = tmp_path / "out" / "deeper"
    out.mkdir(parents=True)
    found = merge.merged([source])
    try:
        found.write_json(out / "m.json")
        page = found.html(out / "m.html")
    finally:
        found.close()
    written = json.loads((out / "m.json").read_text())
    assert {t["name"]: t["detail"] for t in written["targets"]} == {"a": "../../in/targets/a/infocheck.html", "b": None}
    assert written["exit_code"] == 0 and written["verdict"] == "CONFORMANT"
    assert 'href="../../in/targets/a/infocheck.html"' in page
    assert [s["detail"] for s in found.summaries] == [str(tmp_path / "in" / "targets" / "a" / "infocheck.html"), None]


def test_merge_closes_its_spool_when_a_report_cannot_be_read_or_holds_no_target(tmp_path, genuine, monkeypatch):
    from infocheck.fleet import merge, model

    spools = []
    made = merge.tempfile.TemporaryFile

    def recorded():
        spools.append(made())
        return spools[-1]

    monkeypatch.setattr(merge.tempfile, "TemporaryFile", recorded)
    good = _write(tmp_path, model.document([_entry("a", genuine)]), "good")
    bad = str(tmp_path / "missing" / "infocheck.json")
    with pytest.raises(merge.ReportError):
        merge.merged([good, bad])
    with pytest.raises(merge.ReportError, match="the reports hold no target: nothing was checked"):
        merge.merged([_write(tmp_path, model.document([]), "empty")])
    with pytest.raises(KeyboardInterrupt):
        monkeypatch.setattr(merge, "read", lambda path: (_ for _ in ()).throw(KeyboardInterrupt()))
        merge.merged([good])
    assert len(spools) == 3 and all(s.closed for s in spools)
    monkeypatch.undo()
    found = merge.merged([good])
    assert not found._spool.closed
    found.close()
    assert found._spool.closed


# -- wire/probe.py ----------------------------------------------------------------------------------

def _probe(settings_url: str, target: str):
    from harness import KEY
    from infocheck.configuration.config import build_config
    from infocheck.configuration.credentials import KeyCredential
    from infocheck.wire.probe import Probe
    from infocheck.wire.secret import Scrubber

    settings = build_config({}, {"INFOCHECK_ENDPOINT": settings_url, "INFOCHECK_API_KEY": KEY})
    return Probe(settings, target, KeyCredential(settings.api_key), Scrubber([settings.api_key]))


def test_the_probe_records_and_reproduces_the_url_as_it_was_sent():
    from harness import POSITIVE

    with serve() as server:
        probe = _probe(server.url, server.url + "/in fo")
        try:
            exchange = probe.send(POSITIVE)
        finally:
            probe.close()
    sent = server.url + "/in%20fo?api-version=2024-04-01-preview"
    assert exchange.status == 404 and exchange.url == sent
    assert exchange.curl.endswith(f"'{sent}'")


@pytest.mark.parametrize("target, error", [
    ("http:///info", "InvalidURL"),              # requests cannot prepare it (no host)
    ("http://a..b/info", "LocationParseError"),  # prepared, but urllib3 cannot parse its host
])
def test_the_probe_answers_a_url_it_cannot_prepare_or_send_as_a_transport_error_on_the_url_it_was_given(target, error):
    from harness import POSITIVE

    with serve() as server:
        probe = _probe(server.url, target)
        try:
            exchange = probe.send(POSITIVE)
        finally:
            probe.close()
    assert exchange.status is None and exchange.error.startswith(f"transport error: {error}")
    assert exchange.url == target + "?api-version=2024-04-01-preview" and probe.sent == 1


def test_a_probes_reproduction_reads_a_token_from_the_token_variable_even_where_a_fleet_names_a_key_variable():
    import dataclasses

    from harness import KEY, POSITIVE
    from infocheck.configuration.config import build_config
    from infocheck.configuration.credentials import KeyCredential, TokenCredential
    from infocheck.wire.probe import Probe
    from infocheck.wire.secret import Scrubber

    class Token(TokenCredential):
        def acquire(self):
            return "t0ken-for-the-probe-test-0123456789", None

        def describe(self):
            return "a test"

    with serve() as server:
        settings = dataclasses.replace(build_config({}, {"INFOCHECK_ENDPOINT": server.url, "INFOCHECK_API_KEY": KEY}),
                                       key_variable="EASTUS2_KEY")
        curls = {}
        for name, credential in (("token", Token(Scrubber([]))), ("key", KeyCredential(settings.api_key))):
            scrubber = Scrubber([settings.api_key])
            probe = Probe(settings, settings.target_url(), credential, scrubber)
            try:
                curls[name] = probe.send(POSITIVE).curl
            finally:
                probe.close()
    assert '"$INFOCHECK_TOKEN"' in curls["token"] and "EASTUS2_KEY" not in curls["token"]
    assert '"$EASTUS2_KEY"' in curls["key"]


def test_a_probe_without_a_credential_sends_and_reproduces_a_request_without_one():
    from harness import KEY
    from infocheck.configuration.config import build_config
    from infocheck.wire.exchange import Request
    from infocheck.wire.probe import Probe
    from infocheck.wire.secret import Scrubber

    with serve() as server:
        settings = build_config({}, {"INFOCHECK_ENDPOINT": server.url, "INFOCHECK_API_KEY": KEY})
        probe = Probe(settings, settings.target_url(), None, Scrubber([settings.api_key]))
        try:
            exchange = probe.send(Request(query=(("api-version", "2024-04-01-preview"),)))
        finally:
            probe.close()
    assert not probe.has_credential and exchange.status == 401
    assert exchange.curl == f"curl -sS -i --max-time 10 '{server.url}/info?api-version=2024-04-01-preview'"
