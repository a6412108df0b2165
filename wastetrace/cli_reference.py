"""Every `wastetrace` command and its help, walked from the parsers themselves, written as docs/cli.md.

`python -m wastetrace.cli_reference > docs/cli.md` regenerates the page; tests/test_cli_reference.py fails
when a command or an option is missing from it, or when it documents one that no longer exists.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import re
import sys
from dataclasses import dataclass

from wastetrace.cli import SUBCOMMANDS

# argparse shows subcommands in the usage as "{a,b,c} ..." (the rest goes to the chosen one); a long list
# wraps the "..." onto the next line
_CHOICES = re.compile(r"\{([a-z0-9_,-]+)\}\s+\.\.\.")
_OPTION = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)")


@dataclass(frozen=True, slots=True)
class Command:
    path: tuple[str, ...]  # ("hub", "serve")
    help: str

    @property
    def name(self) -> str:
        return " ".join(("wastetrace", *self.path))

    @property
    def options(self) -> frozenset[str]:
        return frozenset(_OPTION.findall(self.help)) - {"--help"}


def help_of(path: tuple[str, ...]) -> str:
    """What `wastetrace PATH --help` prints (argparse exits after printing it)."""
    module = importlib.import_module(SUBCOMMANDS[path[0]][0])
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        module.main([*path[1:], "--help"])
    return out.getvalue()


def walk() -> list[Command]:
    """Every command and subcommand, depth first, in the order the parsers list them."""
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal; make the page the same everywhere
    commands: list[Command] = []

    def visit(path: tuple[str, ...]) -> None:
        text = help_of(path)
        commands.append(Command(path, text))
        match = _CHOICES.search(text.split("\n\n", 1)[0])
        for child in match.group(1).split(",") if match else ():
            visit((*path, child))

    for name in SUBCOMMANDS:
        visit((name,))
    return commands


def render(commands: list[Command]) -> str:
    lines = [
        "# Command-line reference",
        "",
        "Generated from the parsers by `python -m wastetrace.cli_reference > docs/cli.md`; a test fails when",
        "this page and the commands disagree.",
        "",
    ]
    for command in commands:
        lines += [f"## {command.name}", "", "```text", command.help.rstrip(), "```", ""]
    return "\n".join(lines)


def main() -> int:
    sys.stdout.write(render(walk()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
