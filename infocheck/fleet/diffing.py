"""`infocheck diff`'s work: what changed per target and requirement between two runs' merged
reports (fleet/merge.py), from their summaries alone."""
from __future__ import annotations

from typing import TYPE_CHECKING

from infocheck.fleet import model
from infocheck.fleet.reading import ReportError
from infocheck.judging.exit_codes import ExitCode

if TYPE_CHECKING:
    from infocheck.fleet.merge import Merge

BAD = {"failed": 2, "finding": 1}
def diff(old: list[dict], new: list[dict]) -> dict:
    """What changed per target and requirement, between two runs' summaries.

    A requirement's regression: it fails, or earns a SHOULD finding, where it did neither or
    less; or it was checked (passed, failed, finding, waived) and now is not (not run: not
    collected or deselected with -m; not tested, skipped, ignored): coverage lost is never
    silent. Its fix: it failed or earned a finding, and now passes; one that is now waived is
    `unresolved`: the fault is still there. An api-version checked before and not now is a
    regression of the target's (requirement None, its `api_version` named). A target's
    regression: it was CONFORMANT and is not, or its verdict changed between two that are not
    CONFORMANT (NOT CONFORMANT to COULD NOT TEST loses the evidence); its fix: it is now
    CONFORMANT. Names compare without regard to case, as merge compares them. Targets only in
    one run are listed, never counted as regressions."""
    before = {s["name"].lower(): s for s in old}
    after = {s["name"].lower(): s for s in new}
    changes = {"regressions": [], "fixes": [], "unresolved": [],
               "new_targets": sorted(after[n]["name"] for n in set(after) - set(before)),
               "removed_targets": sorted(before[n]["name"] for n in set(before) - set(after))}
    for key in [n for n in after if n in before]:
        was, now = before[key], after[key]
        name = now["name"]
        if was["verdict"] != now["verdict"]:
            kind = "fixes" if now["verdict"] == "CONFORMANT" else "regressions"
            changes[kind].append({"target": name, "requirement": None,
                                  "was": was["verdict"], "now": now["verdict"]})
        for version in was.get("api_versions", []):
            if version not in now.get("api_versions", []):
                changes["regressions"].append({"target": name, "requirement": None, "api_version": version,
                                               "was": "checked", "now": "not checked"})
        for requirement_id in dict.fromkeys(list(was["verdicts"]) + list(now["verdicts"])):
            previous = was["verdicts"].get(requirement_id, "not run")
            verdict = now["verdicts"].get(requirement_id, "not run")
            if previous == verdict:
                continue
            change = {"target": name, "requirement": requirement_id, "was": previous, "now": verdict}
            if BAD.get(verdict, 0) > BAD.get(previous, 0) or model.lost(change):
                changes["regressions"].append(change)
            elif previous in BAD and verdict == "passed":
                changes["fixes"].append(change)
            elif previous in BAD and verdict not in BAD:
                changes["unresolved"].append(change)
    changes["exit_code"] = ExitCode.NOT_CONFORMANT if changes["regressions"] else ExitCode.CONFORMANT
    return changes


def same_endpoint(old: Merge, new: Merge) -> None:
    """Two single runs' reports compare by what they checked, not by the folders that hold
    them: the new one's target takes the old one's name when both checked one endpoint under
    one contract; two that checked different ones have nothing to compare (a usage error,
    never "0 regressions"). A report from before the typed endpoint is known by its
    configuration's endpoint row."""
    if not (old.single and new.single):
        return
    [was], [now] = old.summaries, new.summaries

    def what(s: dict) -> tuple:
        return (s["contract"], "the embedded reference server" if s.get("embedded") else s["endpoint"])

    if what(was) != what(now):
        shown = lambda s: f"{what(s)[1] or 'an unknown endpoint'} ({what(s)[0]} contract)"  # noqa: E731
        raise ReportError(f"{old.reports[0].shown} checked {shown(was)} and {new.reports[0].shown} "
                          f"checked {shown(now)}: diff compares two runs of one endpoint and contract")
    now["name"] = was["name"]
