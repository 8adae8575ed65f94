"""The docs keep up with the CLI: every command and option is in docs/commands.md, every command
in the README's tour, and the README stays short."""
from __future__ import annotations

import re
from pathlib import Path

import typer.main

from cli import app

ROOT = Path(__file__).resolve().parent.parent


def commands() -> dict[str, list[list[str]]]:
    """'server start' → the spellings of each of its options, for every command of the CLI."""
    out: dict[str, list[list[str]]] = {}

    def walk(group, prefix: str) -> None:
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, f"{prefix}{name} ")
            else:
                out[prefix + name] = [p.opts for p in cmd.params if p.opts and p.opts[0].startswith("-")
                                      and "--help" not in p.opts]

    walk(typer.main.get_command(app), "")
    return out


def reference_rows() -> dict[str, str]:
    table = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    rows = {}
    for line in table.splitlines():
        m = re.match(r"\| `cisfilm ([a-z ]+?)(?: [\[A-Z<-].*?)?` \|", line)
        if m:
            rows[m.group(1).strip()] = line
    return rows


def test_every_command_and_option_is_in_the_reference():
    rows = reference_rows()
    cmds = commands()
    assert len(cmds) >= 12  # server start/stop/status and nine more
    missing = sorted(set(cmds) - set(rows))
    assert not missing, f"docs/commands.md lacks: {missing}"
    for name, opts in cmds.items():
        lacking = [o[0] for o in opts if not any(re.search(re.escape(x) + r"\b", rows[name]) for x in o)]
        assert not lacking, f"docs/commands.md row of `cisfilm {name}` lacks {lacking}"


def test_the_readme_is_short_and_tours_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 10_000, f"README.md has {len(readme)} characters; references belong in docs/"
    missing = [name for name in commands() if f"cisfilm {name}" not in readme]
    assert not missing, f"the README's tour lacks {missing}"
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```bash\n(.*?)```", quickstart, re.S) == ["./run\n./run test\n"]


def test_every_docs_link_resolves():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_design_names_only_modules_that_exist():
    """docs/DESIGN.md's layout table: every path it names, and every module named in a
    layer's row, exists — and every module of graph/ is named there."""
    design = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    for path in re.findall(r"`((?:graph|tests)/[^`]*?)`", design):
        assert (ROOT / path.rstrip("/")).exists() or path.endswith("_data/…"), f"DESIGN.md names {path}"
    layout = design.split("## Layout", 1)[1].split("\n## ", 1)[0]
    for row in re.findall(r"^\| `graph/(\w+)/` \| (.*) \|$", layout, re.M):
        package, text = row
        for module in re.findall(r"`(\w+\.py)`", text):
            assert (ROOT / "graph" / package / module).exists(), f"DESIGN.md names graph/{package}/{module}"
    for module in sorted((ROOT / "graph").glob("*/*.py")):
        if module.name != "__init__.py" and module.parent.name in ("model", "facts", "store", "rdf"):
            assert f"`{module.name}`" in layout, f"DESIGN.md's layout does not name {module.relative_to(ROOT)}"
