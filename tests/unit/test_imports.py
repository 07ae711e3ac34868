"""The project's import graph: no cycle, dependencies flowing one way, Rasa kept out of bot/.

Imports are read with ``ast`` (nothing is imported): a module's module-level imports (those of a function or a class
body run later, and ``if TYPE_CHECKING:`` ones never) make the graph the cycle check walks; every import, wherever
it is, counts for the rules on Rasa and on the layers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "actions", "rasa_server")

#: Third-party packages of the Rasa servers: bot/ works without them (it is imported by both environments).
RASA_PACKAGES = ("rasa", "rasa_sdk", "sanic", "socketio")

#: Layers, lowest first: a module may import its own layer and the layers below, never one above
#: (actions -> guidance / understanding -> calculator / retrieval -> knowledge -> text / safety -> settings).
LAYERS = (
    ("bot.settings", "bot.pins"),
    ("bot.text", "bot.safety"),
    ("bot.knowledge",),
    ("bot.calculator", "bot.retrieval"),
    ("bot.guidance", "bot.understanding"),
    ("actions", "bot.__main__"),  # bot.__main__: the command line, which runs the calculator's and retrieval's CLIs
)


@dataclass(frozen=True)
class Import:
    module: str  # the module imported from ("bot.text" for "from bot.text import fold")
    name: str | None  # the name imported from it ("fold"), None for "import x"
    line: int
    top_level: bool  # run when the module is imported (not inside a function or a class body)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(path, root): path for package in PACKAGES for path in sorted((root / package).rglob("*.py"))}


def imports_of(source: str, name: str, is_package: bool = False) -> list[Import]:
    """Every import statement of a module's source, relative ones resolved against ``name``."""
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                visit(child, False)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # for the type checker only
            elif isinstance(child, ast.Import):
                found.extend(Import(alias.name, None, child.lineno, top_level) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = child.module or ""
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    module = ".".join([*base, *([child.module] if child.module else [])])
                found.extend(Import(module, alias.name, child.lineno, top_level) for alias in child.names)
            else:
                visit(child, top_level)

    visit(ast.parse(source), True)
    return found


def target(imported: Import, modules: dict[str, Path] | set[str]) -> str:
    """The project module an import loads: bot.text for "from bot import text" and "from bot.text import fold"."""
    if imported.name and f"{imported.module}.{imported.name}" in modules:
        return f"{imported.module}.{imported.name}"
    return imported.module


def all_imports(root: Path = ROOT) -> dict[str, list[Import]]:
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        for name, path in project_modules(root).items()
    }


def import_graph(imports: dict[str, list[Import]]) -> dict[str, set[str]]:
    """Module -> the project modules its module-level imports load."""
    modules = set(imports)
    return {
        name: {target(i, modules) for i in found if i.top_level and target(i, modules) in modules} - {name}
        for name, found in imports.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted, plus self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def layer(name: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes):
            return rank
    return None


def outside_its_layers(imports: dict[str, list[Import]]) -> list[str]:
    modules = set(imports)
    wrong = []
    for name, found in sorted(imports.items()):
        for imported in found:
            loaded = target(imported, modules)
            own, other = layer(name), layer(loaded)
            if loaded in modules and own is not None and other is not None and other > own:
                wrong.append(f"{name}:{imported.line} imports {loaded} (a layer above)")
    return wrong


def forbidden(imports: dict[str, list[Import]], importers: tuple[str, ...], packages: tuple[str, ...]) -> list[str]:
    """Imports of ``packages`` (or their submodules) by modules of ``importers``, wherever they are."""
    return [
        f"{name}:{imported.line} imports {imported.module}"
        for name, found in sorted(imports.items())
        if name.split(".")[0] in importers
        for imported in found
        if imported.module.split(".")[0] in packages
    ]


# --------------------------------------------------------------------------------------------------- the tree


@pytest.fixture(scope="module")
def imports() -> dict[str, list[Import]]:
    return all_imports()


def test_the_graph_holds_the_imports_it_should(imports):
    graph = import_graph(imports)
    assert {"bot.text", "bot.settings", "actions.answer_first", "rasa_server.unknown_words"} <= set(graph)
    assert "bot.text" in graph["bot.safety.urgency"]
    assert "bot.text" in graph["rasa_server.unknown_words"]
    assert "bot.guidance.cost" in graph["actions.cost"]
    assert graph["bot.text"] == set()  # standard library only


def test_no_import_cycle(imports):
    assert cycles(import_graph(imports)) == []


def test_dependencies_flow_one_way(imports):
    """actions -> guidance / understanding -> calculator / retrieval -> knowledge -> text / safety -> settings."""
    assert outside_its_layers(imports) == []


def test_bot_imports_nothing_of_rasa(imports):
    assert forbidden(imports, ("bot",), RASA_PACKAGES) == []


def test_only_the_rasa_server_imports_rasa_server(imports):
    assert forbidden(imports, ("bot", "actions"), ("rasa_server",)) == []


# ------------------------------------------------------------------------------------- the checks themselves


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set(), "c": {"b"}}) == []


def test_imports_are_read_with_their_place_and_relative_ones_resolved():
    source = """
from __future__ import annotations
import os
from typing import TYPE_CHECKING
from . import sibling
from ..text import fold
if TYPE_CHECKING:
    from bot.guidance import routing
try:
    import sanic
except ImportError:
    sanic = None

def later():
    from rasa_sdk import Action

class Thing:
    import socketio
"""
    found = {(i.module, i.name): i.top_level for i in imports_of(source, "bot.safety.urgency")}
    assert found[("os", None)] is True
    assert found[("bot.safety", "sibling")] is True
    assert found[("bot.text", "fold")] is True
    assert found[("sanic", None)] is True
    assert found[("rasa_sdk", "Action")] is False
    assert found[("socketio", None)] is False
    assert ("bot.guidance", "routing") not in found
    package = {(i.module, i.name) for i in imports_of("from .text import fold", "bot", is_package=True)}
    assert package == {("bot.text", "fold")}


def test_forbidden_and_upward_imports_are_found():
    imports = {
        "bot.safety.urgency": [Import("bot.guidance.enrolment", "fold", 7, True)],
        "bot.guidance.enrolment": [Import("rasa_sdk", "Tracker", 3, False), Import("bot.text", "fold", 4, True)],
        "actions.common": [Import("rasa_server.base", None, 5, True), Import("bot.guidance.enrolment", None, 6, True)],
        "bot.text": [],
    }
    assert outside_its_layers(imports) == ["bot.safety.urgency:7 imports bot.guidance.enrolment (a layer above)"]
    assert forbidden(imports, ("bot",), RASA_PACKAGES) == ["bot.guidance.enrolment:3 imports rasa_sdk"]
    assert forbidden(imports, ("bot", "actions"), ("rasa_server",)) == ["actions.common:5 imports rasa_server.base"]
