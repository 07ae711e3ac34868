"""The README's layout section tells the truth: every path it names exists, and every top-level folder is named."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def layout_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```\n", 2)[1].splitlines()


def named_paths() -> list[str]:
    """The first column of the layout block, nested entries ("  text.py") joined to the folder above them."""
    paths: list[str] = []
    parent = ""
    for line in layout_block():
        if not line.strip() or line.startswith(" " * 20):
            continue  # a continuation line of the description
        indented = line.startswith("  ")
        names = re.split(r",\s*", line.strip().split("  ")[0])
        if not indented:
            parent = names[0]
        for name in names:
            paths.append(parent + name if indented else name)
    return paths


def test_every_path_named_in_the_layout_exists():
    paths = named_paths()
    assert len(paths) > 20, paths
    missing = [path for path in paths if not (ROOT / path).exists()]
    assert not missing, f"README layout names paths that do not exist: {missing}"


def test_every_file_named_in_the_descriptions_exists():
    """Files named in the descriptions (e.g. "routing.py" under bot/guidance/) exist where the entry says."""
    missing = []
    parent = ""
    entry = ""
    for line in layout_block():
        if not line.startswith(" " * 20) and line.strip():
            first = line.strip().split("  ")[0]
            if not line.startswith("  "):
                parent = first.split(",")[0]
                entry = parent
            else:
                entry = parent + first
        if not entry.endswith("/"):
            continue
        description = line[29:] if len(line) > 29 else ""
        for name in re.findall(r"\b([a-z_]+\.(?:py|yml|sh))\b", description):
            if not list((ROOT / entry).rglob(name)) and not (ROOT / name).exists():
                missing.append(f"{entry}{name}")
    assert not missing, f"README layout descriptions name files that do not exist: {missing}"


def test_every_top_level_folder_is_named():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    folders = {line.split("/", 1)[0] + "/" for line in tracked.splitlines() if "/" in line}
    named = set(named_paths())
    assert folders - named == set(), f"top-level folders missing from the README layout: {sorted(folders - named)}"
