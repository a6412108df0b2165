"""docs/cli.md documents every command and option the parsers have, and nothing they no longer have (as
sqlite-utils' docs test does): stale help fails here."""

import re
from pathlib import Path

from wastetrace.cli_reference import walk

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## (wastetrace[^\n]*)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_command_and_option_is_documented():
    sections = _sections()
    for command in walk():
        assert command.name in sections, f"{command.name} is not in docs/cli.md: regenerate it"
        missing = {o for o in command.options if o not in sections[command.name]}
        assert not missing, f"{command.name}: options {sorted(missing)} not in docs/cli.md: regenerate it"


def test_nothing_documented_is_gone():
    names = {c.name for c in walk()}
    stale = set(_sections()) - names
    assert not stale, f"docs/cli.md documents commands that no longer exist: {sorted(stale)}"


def test_the_walk_finds_nested_subcommands():
    names = {c.name for c in walk()}
    assert {"wastetrace hub serve", "wastetrace edge run", "wastetrace sim scale"} <= names
