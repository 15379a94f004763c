"""The turn engine is plain Python over events: no Django HTTP machinery.

import-linter (`make lint`) keeps the package layers; it sees only top-level external packages, so
this checks the one submodule rule it cannot: `convoai.engine` never imports `django.http`.
"""

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "convoai" / "engine"


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_engine_imports_no_django_http() -> None:
    offenders = {
        str(path.relative_to(ENGINE.parent.parent)): sorted(m for m in imported_modules(path) if m.startswith("django.http"))
        for path in ENGINE.rglob("*.py")
    }
    assert {file: mods for file, mods in offenders.items() if mods} == {}
    assert len(offenders) >= 5  # the engine's modules were all read
