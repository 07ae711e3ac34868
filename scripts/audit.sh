#!/usr/bin/env bash
# Known vulnerabilities in what we install: pip-audit, with PyPI's vulnerability data, over the pinned requirement
# files (requirements/rasa.txt, requirements/actions.txt, tests/browser/requirements.txt) and over what the two
# environments hold beyond them (pip, setuptools, wheel, tools installed by hand), if they exist.
#
#   scripts/audit.sh [--junit FILE] [--from-json DIR]
#
# A vulnerability fails the audit unless requirements/audit-ignore.txt lists it for that package (reviewed, with a
# reason); the listed ones are printed every time. pip-audit's raw results are kept in var/audit/.
# Without PyPI's vulnerability data (offline, or a proxy that blocks it) the audit cannot run: it says so and counts
# as skipped, except when AUDIT_REQUIRED=1, where it fails (set it in a CI that reaches PyPI's per-release JSON API;
# the build machines here do not: that API answers 404 through their registry proxy). --from-json DIR re-checks results saved in DIR (no network);
# AUDIT_IGNORE_FILE points at another list of exceptions (to try one before committing it).
# Exit status: 0 clean, only reviewed exceptions, or skipped; 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
junit="" from_json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --junit) junit="$2"; shift 2 ;;
    --from-json) from_json="$2"; shift 2 ;;
    *) echo "usage: scripts/audit.sh [--junit FILE] [--from-json DIR]" >&2; exit 2 ;;
  esac
done
mkdir -p var/audit

# The tool's own environment (pinned like the others). Failing to build it is "no PyPI", not a finding.
venv_error=""
if [ -z "$from_json" ] && ! scripts/venv.sh audit 3.11 requirements/audit.txt > var/audit/venv.log 2>&1; then
  venv_error="could not install pip-audit into .venv/audit (see var/audit/venv.log): $(tail -n 1 var/audit/venv.log)"
fi
python=.venv/audit/bin/python
[ -x "$python" ] && [ -z "$venv_error" ] || python="$(scripts/find-python.sh 3.11)"

# What each environment holds beyond its requirement file (only pip, setuptools, wheel and hand-installed tools).
for env in rasa actions; do
  out="var/audit/unpinned-$env.txt"; rm -f "$out"
  [ -z "$from_json" ] && [ -x ".venv/$env/bin/python" ] || continue
  ".venv/$env/bin/python" - "requirements/$env.txt" tests/browser/requirements.txt > "$out" <<'PY'
import importlib.metadata as metadata, re, sys
def canonical(name): return re.sub(r"[-_.]+", "-", name).lower()
pinned = set()
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            pinned.add(canonical(re.split(r"[=<>!~;\[ ]", line)[0]))
seen = set()
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if name and canonical(name) not in pinned and canonical(name) not in seen:
        seen.add(canonical(name))
        print(f"{name}=={dist.version}")
PY
done

AUDIT_VENV_ERROR="$venv_error" AUDIT_FROM_JSON="$from_json" AUDIT_JUNIT="$junit" exec "$python" - <<'PY'
import json, os, re, subprocess, sys, xml.etree.ElementTree as ET
from pathlib import Path

OUT = Path("var/audit")
IGNORE_FILE = Path(os.environ.get("AUDIT_IGNORE_FILE") or "requirements/audit-ignore.txt")
TARGETS = {  # result file name: (what, requirement file)
    "rasa": ("rasa server", "requirements/rasa.txt"),
    "actions": ("action server", "requirements/actions.txt"),
    "browser-tests": ("browser tests", "tests/browser/requirements.txt"),
    "unpinned-rasa": ("rasa environment, not in its requirements", "var/audit/unpinned-rasa.txt"),
    "unpinned-actions": ("action environment, not in its requirements", "var/audit/unpinned-actions.txt"),
}
required = os.environ.get("AUDIT_REQUIRED", "") == "1"
from_json = os.environ.get("AUDIT_FROM_JSON")


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_ignores():
    """{(ID, package): (reviewed, reason)} from requirements/audit-ignore.txt; a malformed line is an error."""
    entries, problems = {}, []
    for number, line in enumerate(IGNORE_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 4 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", parts[2]):
            problems.append(f"{IGNORE_FILE}:{number}: expected 'ID PACKAGE YYYY-MM-DD REASON', got {line.strip()!r}")
            continue
        entries[(parts[0].upper(), canonical(parts[1]))] = (parts[2], parts[3].strip())
    return entries, problems


def unavailable_reason():
    """Why PyPI's vulnerability data cannot be read from here, or None when it can."""
    if os.environ.get("AUDIT_VENV_ERROR"):
        return os.environ["AUDIT_VENV_ERROR"]
    import requests
    version = next(line.split("==")[1].strip() for line in open("requirements/audit.txt")
                   if line.lower().startswith(("pip-audit==", "pip_audit==")))
    url = f"https://pypi.org/pypi/pip-audit/{version}/json"  # the endpoint pip-audit asks, for a release that exists
    try:
        response = requests.get(url, timeout=20)
    except requests.RequestException as error:
        return f"PyPI not reachable ({type(error).__name__})"
    if response.status_code != 200:
        return (f"PyPI's per-release JSON API, which carries the vulnerability data, answered HTTP "
                f"{response.status_code} for {url} (a proxy or mirror that serves only the package index?)")
    return None


def run_pip_audit(requirements, result):
    command = [".venv/audit/bin/pip-audit", "-r", requirements, "--no-deps", "--disable-pip", "-s", "pypi",
               "-f", "json", "--aliases", "on", "--desc", "off", "--progress-spinner", "off", "-o", str(result)]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode not in (0, 1) or not result.exists():  # 1: vulnerabilities found
        raise RuntimeError(f"pip-audit failed (exit {completed.returncode}): {completed.stderr.strip()[-800:]}")


def check(key, requirements, ignores, used):
    """(status, message) for one requirement set: status in ok / failed / skipped / absent."""
    if not Path(requirements).exists() or not Path(requirements).read_text().strip():
        return "absent", "nothing to audit"
    result = (Path(from_json) if from_json else OUT) / f"{key}.json"
    if from_json and not result.exists():
        return "absent", f"no saved result {result}"
    if not from_json:
        run_pip_audit(requirements, result)
    dependencies = json.loads(result.read_text())["dependencies"]
    not_audited = [d for d in dependencies if d.get("skip_reason")]
    if not_audited and len(not_audited) == len(dependencies):
        return "skipped", f"pip-audit could not read any of the {len(dependencies)} packages from PyPI"
    lines, unlisted = [], 0
    for dependency in dependencies:
        for vuln in dependency.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            package = canonical(dependency["name"])
            entry = next(((i.upper(), package) for i in ids if (i.upper(), package) in ignores), None)
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            where = f"{dependency['name']} {dependency['version']}: {' / '.join(ids)} (fixed in: {fixes})"
            if entry:
                used.add(entry)
                reviewed, reason = ignores[entry]
                lines.append(f"  accepted  {where}\n            reviewed {reviewed}: {reason}")
            else:
                unlisted += 1
                lines.append(f"  VULNERABLE {where}")
    for dependency in not_audited:
        unlisted += 1
        lines.append(f"  NOT AUDITED {dependency['name']}: {dependency['skip_reason']}")
    summary = f"{len(dependencies) - len(not_audited)} packages audited"
    if unlisted:
        return "failed", "\n".join([f"{summary}; {unlisted} finding(s) not in {IGNORE_FILE}:", *lines])
    return "ok", "\n".join([summary + (", only reviewed exceptions:" if lines else ", no known vulnerability"),
                            *lines])


def main():
    ignores, problems = read_ignores()
    used = set()
    results = []
    reason, partial = None, False
    if problems:
        results.append(("reviewed exceptions", str(IGNORE_FILE), "failed", "\n".join(problems)))
    else:
        reason = None if from_json else unavailable_reason()
        for key, (label, requirements) in TARGETS.items():
            if reason:
                results.append((label, requirements, "skipped", reason))
                continue
            try:
                status, message = check(key, requirements, ignores, used)
            except RuntimeError as error:
                status, message = "failed", str(error)
            if status != "absent":
                results.append((label, requirements, status, message))
            elif from_json:
                partial = True
    skipped = any(status == "skipped" for _, _, status, _ in results)
    if skipped and required:  # a pipeline that requires the audit must not pass without one
        results = [(label, requirements, "failed", "not audited (AUDIT_REQUIRED=1: an audit that cannot run fails)")
                   if status == "skipped" else (label, requirements, status, message)
                   for label, requirements, status, message in results]
    for label, requirements, status, message in results:
        print(f"{status.upper():8} {label} ({requirements})" + ("" if status == "skipped" else f": {message}"))
    if results and not (skipped or problems or partial):
        for vuln_id, package in sorted(set(ignores) - used):
            print(f"note: {IGNORE_FILE} lists {vuln_id} for {package}, which no longer shows up: remove the entry")
    if skipped:
        print(f"audit {'FAILED' if required else 'SKIPPED'}: {reason}. "
              f"Run it where PyPI is reachable{'' if required else '; with AUDIT_REQUIRED=1 this is a failure'}.")
    if os.environ.get("AUDIT_JUNIT"):
        suite = ET.Element("testsuite", name="dependency audit", tests=str(len(results)))
        for label, requirements, status, message in results:
            case = ET.SubElement(suite, "testcase", classname="audit", name=f"{label} ({requirements})")
            if status == "failed":
                ET.SubElement(case, "failure", message=message.splitlines()[0]).text = message
            elif status == "skipped":
                ET.SubElement(case, "skipped", message=message)
        ET.ElementTree(suite).write(os.environ["AUDIT_JUNIT"], encoding="utf-8", xml_declaration=True)
    return 1 if any(status == "failed" for _, _, status, _ in results) else 0


sys.exit(main())
PY
