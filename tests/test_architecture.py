"""The apps form layers, and every import between them points down.

An app may import from any layer below its own, never from a layer above, and never
from another app of its own layer (peers stay independent of each other, so either
can change or go without the other noticing). Imports inside functions count as
much as those at the top of a module: they are the same dependency, only later.
Migrations are checked too; they import no app code today, and one that did would
depend on it like any module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import dailypapers

ROOT = Path(dailypapers.__file__).parent

# Lowest first. The project level is the code that wires the apps together.
LAYERS: list[set[str]] = [
    {"config"},  # read before Django starts (settings, the command line)
    {"core"},
    {"papers"},
    {"accounts"},
    {"community"},
    {"ingest", "search"},
    {"digests", "foryou", "feeds", "api"},
    {"settings", "urls", "wsgi", "asgi", "cli", "__init__"},
    {"__main__"},
]
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}

# Known arrows waiting for a change in flight, as (file, imported module). Each must
# still exist; delete it when its change lands.
ALLOWED: set[tuple[str, str]] = set()


def unit_of(module: str) -> str | None:
    """The app (or project-level module) a dotted module name belongs to."""
    parts = module.split(".")
    return parts[1] if parts[0] == "dailypapers" and len(parts) > 1 else None


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a dailypapers module in ``path``."""
    package = ["dailypapers", *path.relative_to(ROOT).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # `from dailypapers import papers` imports the app, not the package.
            top = unit_of(module) is None
            names = [f"{module}.{alias.name}" for alias in node.names] if top else [module]
        else:
            continue
        for name in names:
            if unit_of(name) is not None:
                yield node.lineno, name


def arrows() -> Iterator[tuple[str, int, str, str, str]]:
    """(file, line, module, from unit, to unit) for every import between two units."""
    for path in sorted(ROOT.rglob("*.py")):
        file = path.relative_to(ROOT).as_posix()
        source = file.split("/")[0].removesuffix(".py")
        for line, module in imports(path):
            target = unit_of(module)
            if target is not None and target != source:
                yield file, line, module, source, target


def test_every_import_points_down_a_layer() -> None:
    wrong, allowed_seen = [], set()
    for file, line, module, source, target in arrows():
        if LEVEL[target] < LEVEL[source]:
            continue
        if (file, module) in ALLOWED:
            allowed_seen.add((file, module))
            continue
        way = "up" if LEVEL[target] > LEVEL[source] else "sideways, between peers"
        wrong.append(f"{file}:{line} imports {module} ({source} -> {target} points {way})")
    assert wrong == []
    assert allowed_seen == ALLOWED, "an allowed arrow is gone: delete it from ALLOWED"


def test_every_app_has_its_place_in_the_layers() -> None:
    units = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    units |= {p.stem for p in ROOT.glob("*.py")}
    assert units == set(LEVEL), "place a new app (or drop a gone one) in LAYERS"
