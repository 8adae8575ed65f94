"""Where the data a command needs lives: `schema/`, `queries/` and the default `seeds/`.

Run from a checkout (an editable install or `python -m` in the source tree), the
checkout's own folders are used, so an edit there takes effect at once. Installed
from a wheel, the copies the build backend mapped into the package
(`graph/_data/<name>`) are used. Command-line options override both.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

FOLDERS = ("schema", "queries", "seeds")
PROJECT_FILE = "pyproject.toml"
PROJECT_NAME = 'name = "cisfilm"'


def checkout() -> Path | None:
    """The source tree this package is imported from, or None when it is installed."""
    root = Path(str(resources.files("graph"))).resolve().parent
    project = root / PROJECT_FILE
    try:
        if project.is_file() and PROJECT_NAME in project.read_text(encoding="utf-8"):
            return root
    except OSError:
        pass
    return None


def folder(name: str) -> Path:
    """The default `schema`, `queries` or `seeds` folder (see the module docstring)."""
    if name not in FOLDERS:
        raise ValueError(f"unknown data folder {name!r}: one of {', '.join(FOLDERS)}")
    root = checkout()
    if root is not None and (root / name).is_dir():
        return root / name
    return Path(str(resources.files("graph") / "_data" / name))


def schema_dir() -> Path:
    return folder("schema")


def queries_dir() -> Path:
    return folder("queries")


def seeds_dir() -> Path:
    return folder("seeds")
