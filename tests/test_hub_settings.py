"""Hub settings from the environment, and the hub key created safely on first start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hub.core.keys import HubKeyError, load_or_create_hub_key
from hub.settings import Settings, SettingsError
from protocols.ledger import public_key_b64


def test_hub_refuses_to_start_without_an_admin_token():
    with pytest.raises(SettingsError, match="WT_HUB_ADMIN_TOKEN"):
        Settings.from_env({})


def test_placeholder_admin_token_is_refused_outside_development():
    with pytest.raises(SettingsError, match="placeholder"):
        Settings.from_env({"WT_HUB_ADMIN_TOKEN": "changeme"})


def test_placeholder_admin_token_is_allowed_in_development():
    settings = Settings.from_env({"WT_HUB_ADMIN_TOKEN": "changeme", "WT_HUB_ENV": "development"})
    assert settings.env == "development"


def test_settings_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "WT_HUB_ADMIN_TOKEN": "s3cret-token",
            "WT_HUB_DB": "postgresql+psycopg://hub@db/wastetrace",
            "WT_HUB_PUBLIC_URL": "https://hub.example/",
            "WT_HUB_KEY_FILE": "/etc/wastetrace/hub-key.pem",
        }
    )
    assert settings.db_url == "postgresql+psycopg://hub@db/wastetrace"
    assert settings.public_url == "https://hub.example"
    assert settings.key_file == Path("/etc/wastetrace/hub-key.pem")


def test_settings_have_defaults_except_the_secret():
    settings = Settings.from_env({"WT_HUB_ADMIN_TOKEN": "s3cret-token"})
    assert (settings.db_url, settings.public_url) == ("sqlite:///hub.db", "http://127.0.0.1:8000")


def test_settings_never_show_the_admin_token():
    assert "s3cret-token" not in repr(Settings(admin_token="s3cret-token"))


def test_sample_env_file_names_every_setting():
    sample = (Path(__file__).resolve().parents[1] / "hub" / "hub.env.sample").read_text(encoding="utf-8")
    for name in ("WT_HUB_DB", "WT_HUB_PUBLIC_URL", "WT_HUB_KEY_FILE", "WT_HUB_ADMIN_TOKEN", "WT_HUB_ENV"):
        assert f"{name}=" in sample


def test_hub_key_is_created_private_on_first_start(tmp_path):
    path = tmp_path / "keys" / "hub-key.pem"
    load_or_create_hub_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["hub-key.pem"]  # no temporary file left behind


def test_hub_key_is_kept_across_restarts(tmp_path):
    path = tmp_path / "hub-key.pem"
    assert public_key_b64(load_or_create_hub_key(path)) == public_key_b64(load_or_create_hub_key(path))


def test_unreadable_hub_key_stops_the_hub(tmp_path):
    path = tmp_path / "hub-key.pem"
    path.write_text("not a key")
    with pytest.raises(HubKeyError, match="hub-key.pem"):
        load_or_create_hub_key(path)
