"""The README keeps up with the CLI: every command is in its Commands table, with every option."""
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


def readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        m = re.match(r"\| `cisfilm ([a-z ]+?)(?: [\[A-Z<-].*?)?` \|", line)
        if m:
            rows[m.group(1).strip()] = line
    return rows


def test_every_command_and_option_is_in_the_readme():
    rows = readme_rows()
    cmds = commands()
    assert len(cmds) >= 12  # server start/stop/status and nine more
    missing = sorted(set(cmds) - set(rows))
    assert not missing, f"README's Commands table lacks: {missing}"
    for name, opts in cmds.items():
        lacking = [o[0] for o in opts if not any(re.search(re.escape(x) + r"\b", rows[name]) for x in o)]
        assert not lacking, f"README row of `cisfilm {name}` lacks {lacking}"
