"""Sum the JUnit files of every test stage into one closing line: 'N passed, N failed, N skipped'."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(results_dir: str, *failed_stages: str) -> int:
    # A test run twice (web_test.sh re-runs a browser test whose Chromium died) is written twice: its last run counts.
    outcomes: dict[tuple[str, str, str], str] = {}
    for path in sorted(Path(results_dir).glob("*.xml")):
        root = ET.parse(path).getroot()
        for case in root.iter("testcase"):
            key = (path.name, case.get("classname", ""), case.get("name", ""))
            if case.find("failure") is not None or case.find("error") is not None:
                outcomes[key] = "failed"
            elif case.find("skipped") is not None:
                outcomes[key] = "skipped"
            else:
                outcomes[key] = "passed"
    counted = list(outcomes.values())
    passed, failed, skipped = (counted.count(outcome) for outcome in ("passed", "failed", "skipped"))
    for stage in failed_stages:
        print(f"failed stage: {stage}")
    # A stage that failed without a failing test case (e.g. a crash before collection) still counts once.
    failed = max(failed, len(failed_stages))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
