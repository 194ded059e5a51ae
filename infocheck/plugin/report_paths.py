"""Where a run's reports go: one folder (--report-dir, INFOCHECK_REPORT_DIR; default reports/)
for the HTML, the JSON, the JUnit XML and a fleet's targets/; an explicit --html, --junitxml or
--report-json (INFOCHECK_REPORT_JSON) still wins for its own file. Given one of those alone, the others go beside it,
so a folder never holds one run's HTML beside another run's JSON."""
from __future__ import annotations

import os
from pathlib import Path

NAMES = {"html": "infocheck.html", "json": "infocheck.json", "junit": "junit.xml"}


def explicit(config) -> dict[str, str | None]:
    return {"html": config.getoption("htmlpath", None),
            "json": (config.getoption("infocheck_report_json")
                     or os.environ.get("INFOCHECK_REPORT_JSON", "").strip()
                     or config.getini("infocheck_json") or None),
            "junit": getattr(config.option, "xmlpath", None)}


def folder(config, given: dict) -> str:
    chosen = config.getoption("infocheck_report_dir") or os.environ.get("INFOCHECK_REPORT_DIR", "").strip()
    if chosen:
        return chosen
    alone = next((path for path in (given["json"], given["html"], given["junit"]) if path), None)
    return str(Path(alone).parent) if alone else "reports"


def resolve(config) -> dict[str, Path | None]:
    """Set pytest's own report options where they were not given; the three paths (absolute;
    the HTML's None where pytest-html is switched off)."""
    given = explicit(config)
    base = folder(config, given)
    chosen = {kind: given[kind] or str(Path(base) / name) for kind, name in NAMES.items()}
    if config.pluginmanager.has_plugin("html"):
        config.option.htmlpath = chosen["html"]
    else:
        chosen["html"] = None
    config.option.xmlpath = chosen["junit"]
    config.option.infocheck_report_json = chosen["json"]
    here = Path(config.invocation_params.dir)
    return {kind: here / path if path else None for kind, path in chosen.items()}


def written(config) -> list[str]:
    """The report files this run writes, as the terminal names them at the end."""
    found = [config.getoption("htmlpath", None), config.getoption("infocheck_report_json"),
             getattr(config.option, "xmlpath", None)]
    return [str(path) for path in found if path]
