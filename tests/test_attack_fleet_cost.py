"""Attacks on the fleet-cost commits (be30a6d..6a8752e): what they got wrong.

FleetReport.to_json now writes the document as write_streamed does (the head indented, a target
a line). That writer cuts the head's closing "\\n}" off and appends the targets' list, which
assumes the head has at least one member: a FleetReport whose only member is its list of targets
is written as `,\\n  "targets": [...]`, not JSON. Before, to_json was json.dumps of to_dict for
every document."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from infocheck.judging.report_model import FleetReport, TargetReport

HOSTILE = st.text(alphabet=st.sampled_from(['"', "\\", "\u2028", "\u2029", "\n", "\x00", "}", ",", "a", "é"]),
                  max_size=8)
HEAD = st.fixed_dictionaries({}, optional={"infocheck": HOSTILE, "verdict": HOSTILE, "explanation": HOSTILE,
                                           "slice": st.none() | HOSTILE, "fleet": st.dictionaries(HOSTILE, HOSTILE, max_size=2)})
TARGET = st.fixed_dictionaries({}, optional={"name": HOSTILE, "index": st.integers(0, 9), "verdict": HOSTILE,
                                             "detail": st.none() | HOSTILE})


def test_a_fleet_document_that_is_only_its_targets_is_written_as_json():
    report = FleetReport(targets=())
    assert json.loads(report.to_json()) == {"targets": []}
    report = FleetReport.from_dict({"targets": [{"name": "one", "index": 0}]})
    assert json.loads(report.to_json()) == {"targets": [{"name": "one", "index": 0}]}


@settings(max_examples=200, database=None, derandomize=True)
@given(head=HEAD, targets=st.lists(TARGET, max_size=3))
def test_a_fleet_document_is_written_as_the_json_of_what_it_holds(head, targets):
    report = FleetReport.from_dict({**head, "targets": targets})
    assert json.loads(report.to_json()) == report.to_dict()
    assert [TargetReport.from_dict(t) for t in json.loads(report.to_json())["targets"]] == list(report.targets)
