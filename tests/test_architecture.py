"""The layout holds: edge and hub apart, protocols sans-I/O, and every command documented."""

import re
import subprocess
import sys
from pathlib import Path

from wastetrace.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--config", str(ROOT / ".importlinter")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_catch_a_violation(tmp_path):
    # The contract must really forbid what it says: plant a violating module in a copy, expect failure.
    pkg = tmp_path / "protocols"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import socket\n")
    for name in ("edge", "hub", "provisioning", "simulators", "wastetrace"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    result = _lint_planted(tmp_path, "protocols-sans-io")
    assert result.returncode != 0
    assert "protocols is sans-I/O" in result.stdout


HUB_LAYERS = (
    "cli",
    "app",
    "migrations",
    "tables",
    "access",
    "registry",
    "devices",
    "ledger",
    "inventory",
    "manifests",
    "transport",
    "trace",
    "evidence",
    "stats",
    "web",
    "core",
    "settings",
)


def test_the_hub_house_contract_catches_a_domain_reaching_up(tmp_path):
    for name in ("protocols", "edge", "provisioning", "simulators", "wastetrace"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "__init__.py").write_text("")
    for layer in HUB_LAYERS:
        (tmp_path / "hub" / f"{layer}.py").write_text("")
    (tmp_path / "hub" / "manifests.py").write_text("import hub.app\n")  # a domain reaching up
    result = _lint_planted(tmp_path, "hub-house")
    assert result.returncode != 0
    assert "hub.manifests -> hub.app" in result.stdout


def _lint_planted(root: Path, contract: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("lint-imports")),
            "--config",
            str(ROOT / ".importlinter"),
            "--contract",
            contract,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_every_subcommand_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in SUBCOMMANDS:
        assert re.search(rf"wastetrace {name}\b", readme), f"README does not mention `wastetrace {name}`"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in readme and "exec scripts/test" in ci
