"""The README's Quick start stays true: CI runs its test command verbatim."""

import re

from conftest import ROOT


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, re.S)
    return [b.strip() for b in blocks]


def test_quick_start_has_two_commands():
    cmds = quick_start_commands()
    assert len(cmds) == 2
    assert "kg build" in cmds[0] and "kg query" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci.splitlines()


def test_readme_lists_every_command():
    from kg.cli import COMMAND_MODULES

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMAND_MODULES:
        assert f"`kg {name}" in text, name
