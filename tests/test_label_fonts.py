"""The edge finds a CJK font for labels, or says what to install."""

import pytest

from edge import fonts
from edge.fonts import FontNotFound, cjk_font_path


def test_packaged_noto_sans_sc_is_found_by_default(monkeypatch):
    monkeypatch.delenv("WASTETRACE_FONT", raising=False)
    assert cjk_font_path().name == "NotoSansSC[wght].ttf"


def test_environment_override_wins(monkeypatch, tmp_path):
    font = tmp_path / "custom.ttf"
    font.write_bytes(b"not really a font")
    monkeypatch.setenv("WASTETRACE_FONT", str(font))
    assert cjk_font_path() == font


def test_override_naming_a_missing_file_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("WASTETRACE_FONT", str(tmp_path / "missing.ttf"))
    with pytest.raises(FontNotFound, match="WASTETRACE_FONT"):
        cjk_font_path()


def test_no_font_anywhere_names_what_to_install(monkeypatch):
    monkeypatch.delenv("WASTETRACE_FONT", raising=False)
    monkeypatch.setattr(fonts, "FONT_PACKAGE", "no_such_font_package")
    monkeypatch.setattr(fonts, "SYSTEM_FONT_PATHS", ())
    with pytest.raises(FontNotFound, match="justmytype-intl-cjk.*fonts-noto-cjk"):
        cjk_font_path()
