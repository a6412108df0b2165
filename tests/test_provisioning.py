"""Enrolment as an installer does it: a token from the hub, a key made on the device, the key registered."""

import json
import os
import stat
import subprocess
import sys

import pytest

from protocols.ledger import load_private_key
from provisioning.client import EnrolmentError, enrol, request_token
from provisioning.keys import ensure_device_key
from tests.edge_support import ADMIN, USCC, HubServer


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    server = HubServer(tmp_path_factory.mktemp("hub")).start()
    yield server
    server.stop()


def wastetrace(*args):
    return subprocess.run(
        [sys.executable, "-m", "wastetrace.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_token_then_enrol_registers_the_device_key(hub, tmp_path):
    issued = wastetrace(
        "provision",
        "token",
        "--hub",
        hub.url,
        "--admin-token",
        ADMIN,
        "--uscc",
        USCC,
        "--name",
        "测试厂",
        "--device-id",
        "edge-cli",
    )
    assert issued.returncode == 0, issued.stderr
    token = json.loads(issued.stdout)["token"]
    key_file = tmp_path / "device-key.pem"
    enrolled = wastetrace(
        "provision",
        "enrol",
        "--hub",
        hub.url,
        "--token",
        token,
        "--device-id",
        "edge-cli",
        "--key-file",
        str(key_file),
    )
    assert enrolled.returncode == 0, enrolled.stderr
    assert json.loads(enrolled.stdout)["enterprise_uscc"] == USCC
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    load_private_key(key_file.read_bytes())


def test_a_spent_token_is_refused_with_the_hubs_reason(hub, tmp_path):
    token = request_token(hub.url, ADMIN, USCC, "测试厂", "edge-twice")["token"]
    enrol(hub.url, token, "edge-twice", ensure_device_key(tmp_path / "a.pem"))
    with pytest.raises(EnrolmentError, match="refused"):
        enrol(hub.url, token, "edge-twice", ensure_device_key(tmp_path / "b.pem"))


def test_token_without_the_admin_token_is_refused(hub):
    result = wastetrace(
        "provision", "token", "--hub", hub.url, "--admin-token", "wrong", "--uscc", USCC, "--name", "x"
    )
    assert result.returncode == 1 and "401" in result.stderr


def test_an_unreachable_hub_is_reported_plainly(tmp_path):
    with pytest.raises(EnrolmentError, match="cannot reach the hub"):
        enrol("http://127.0.0.1:9", "t", "edge-x", ensure_device_key(tmp_path / "k.pem"))


def test_the_device_key_is_made_once_and_kept(tmp_path):
    path = tmp_path / "k.pem"
    first = ensure_device_key(path)
    assert ensure_device_key(path).private_bytes_raw() == first.private_bytes_raw()
