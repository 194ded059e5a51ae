"""JUnit XML. A single run's is pytest's own (xunit1, from the reports the plugin dressed: each
testcase carries `requirement` and `level` properties); a fleet's is combined here from its
targets' own, every testcase's class name starting with its target and carrying it as a
property, so a CI test tab groups by target."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path


def combined(parts: list[tuple[str, Path]]) -> str:
    """One JUnit file from the targets' own (a target whose run left none gets one error)."""
    suites = ET.Element("testsuites", name="infocheck fleet")
    for name, path in parts:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError):
            suite = ET.SubElement(suites, "testsuite", name=name, tests="1", errors="1")
            case = ET.SubElement(suite, "testcase", classname=name, name="run")
            ET.SubElement(case, "error", message="the target's run left no JUnit report")
            continue
        for suite in root.iter("testsuite"):
            suite.set("name", name)
            for case in suite.iter("testcase"):
                case.set("classname", f"{name}.{case.get('classname', '')}")
                properties = case.find("properties")
                if properties is None:
                    properties = ET.Element("properties")
                    case.insert(0, properties)
                ET.SubElement(properties, "property", name="target", value=name)
            suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)
