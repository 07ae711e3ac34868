"""scripts/test_summary.py: the closing line of `make test`, summed over every stage's JUnit file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("test_summary", ROOT / "scripts" / "test_summary.py")
summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary)


def junit(path: Path, cases: str) -> None:
    path.write_text(f'<?xml version="1.0"?><testsuites><testsuite name="pytest">{cases}</testsuite></testsuites>')


def test_a_browser_test_run_again_after_a_crash_counts_once_by_its_last_run(tmp_path, capsys):
    # What pytest-rerunfailures writes for a test re-run after a TargetClosedError: the same case twice.
    junit(
        tmp_path / "browser.xml",
        '<testcase classname="t" name="test_french" /><testcase classname="t" name="test_french" />'
        '<testcase classname="t" name="test_print"><failure message="no"/></testcase>',
    )
    junit(
        tmp_path / "unit.xml",
        '<testcase classname="t" name="test_french" /><testcase classname="u" name="skip"><skipped/></testcase>',
    )
    assert summary.main(str(tmp_path)) == 1
    assert capsys.readouterr().out.strip() == "2 passed, 1 failed, 1 skipped"


def test_a_stage_that_failed_without_a_failing_case_still_fails(tmp_path, capsys):
    junit(tmp_path / "unit.xml", '<testcase classname="t" name="test_ok" />')
    assert summary.main(str(tmp_path), "web widget") == 1
    assert capsys.readouterr().out.splitlines() == ["failed stage: web widget", "1 passed, 1 failed, 0 skipped"]


def test_all_passed_is_success(tmp_path, capsys):
    junit(tmp_path / "unit.xml", '<testcase classname="t" name="a" /><testcase classname="t" name="b" />')
    assert summary.main(str(tmp_path)) == 0
    assert capsys.readouterr().out.strip() == "2 passed, 0 failed, 0 skipped"
