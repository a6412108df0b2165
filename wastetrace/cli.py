"""`wastetrace SUBCOMMAND …`: hands each subcommand to the command line of the package that owns it."""

from __future__ import annotations

import importlib
import sys

SUBCOMMANDS = {
    "demo": ("wastetrace.demo", "run a hub, a simulated site and an edge agent together"),
    "hub": ("hub.cli", "the central hub: serve, migrate, mqtt, audit verify"),
    "edge": ("edge.cli", "the site agent: run"),
    "sim": ("simulators.cli", "simulated devices: scale, printer"),
    "provision": ("provisioning.cli", "enrol devices: token, enrol"),
}


def usage() -> str:
    lines = ["usage: wastetrace SUBCOMMAND [ARGS…]", "", "subcommands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        print(f"wastetrace: unknown subcommand {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(SUBCOMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
