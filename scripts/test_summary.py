"""Sum the JUnit files of every test stage into one closing line: 'N passed, N failed, N skipped'."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(results_dir: str, *failed_stages: str) -> int:
    passed = failed = skipped = 0
    for path in sorted(Path(results_dir).glob("*.xml")):
        root = ET.parse(path).getroot()
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    for stage in failed_stages:
        print(f"failed stage: {stage}")
    # A stage that failed without a failing test case (e.g. a crash before collection) still counts once.
    failed = max(failed, len(failed_stages))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
