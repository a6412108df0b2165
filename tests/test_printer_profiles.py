"""Every printer profile, native and raster: the simulator prints a label whose QR a decoder we did not
write (zxing-cpp) reads back to the payload, with text no smaller than HJ 1276 allows."""

import dataclasses
import math

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image

from edge.config import ConfigError
from edge.fonts import cjk_font_path
from edge.printers.profiles import BUILTIN, DEFAULT_PROFILE, list_profiles, load_profile
from edge.printers.wiring import open_printer
from protocols.escpos import NEED_DATA as ESCPOS_NEED_DATA
from protocols.escpos import CharacterSize, EscposDecoder
from protocols.label import LabelEncoder, ProfileError, load_layout, profile_from_mapping
from protocols.tspl import NEED_DATA as TSPL_NEED_DATA
from protocols.tspl import Text, TsplDecoder
from simulators.printer import PrinterSimulator
from simulators.tspl_printer import TsplPrinterSimulator
from tests.label_support import CONTENT, MODES, PAYLOAD, PROFILE_DIR, profile, profile_names
from tests.waiting import wait_for

CASES = [(name, mode) for name in profile_names() for mode in MODES]


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


def simulator_for(prof, out, font_bytes):
    if prof.language == "escpos":
        return PrinterSimulator(
            out, port=0, control_port=None, font_bytes=font_bytes, width_px=prof.width_dots
        )
    return TsplPrinterSimulator(out, port=0, control_port=None, font_bytes=font_bytes, dpi=prof.dpi)


@pytest.mark.parametrize(("name", "mode"), CASES)
async def test_the_printed_qr_decodes_to_the_payload(tmp_path, font_bytes, name, mode):
    prof = profile(name, mode)
    encoded = LabelEncoder(font_bytes, prof).encode(CONTENT)
    async with simulator_for(prof, tmp_path, font_bytes) as sim:
        printer = open_printer(f"tcp://127.0.0.1:{sim.port}", prof, timeout_s=5.0)
        await printer.print_label(encoded.data)
        await wait_for(lambda: len(sim.labels()) == 1)
    (png,) = sim.labels()
    image = Image.open(png).convert("L")
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode] == [PAYLOAD]
    # A second reader from another code base. (OpenCV's older QRCodeDetector misses the symbol on some
    # raster roll labels where both these readers find it.)
    assert cv2.QRCodeDetectorAruco().detectAndDecode(np.asarray(image))[0] == PAYLOAD


@pytest.mark.parametrize("name", profile_names())
def test_native_text_is_at_least_the_minimum_height(font_bytes, name):
    prof = profile(name, "native")
    minimum = math.ceil(load_layout(prof.template).min_text_mm * prof.dpi / 25.4 - 0.01)
    data = LabelEncoder(font_bytes, prof).encode(CONTENT).data
    if prof.language == "tspl":
        decoder = TsplDecoder()
        decoder.receive_data(data)
        heights = []
        while (event := decoder.next_event()) is not TSPL_NEED_DATA:
            if isinstance(event, Text):
                heights.append(event.y_mul * prof.font_cell)
    else:
        decoder = EscposDecoder()
        decoder.receive_data(data)
        heights = []
        while (event := decoder.next_event()) is not ESCPOS_NEED_DATA:
            if isinstance(event, CharacterSize):
                heights.append(event.height * 24)
    assert heights and min(heights) >= minimum


def test_the_builtin_default_is_the_profile_file():
    # The file also lists example models; everything that changes how a label is encoded must match.
    assert profile_from_mapping(BUILTIN) == dataclasses.replace(profile(DEFAULT_PROFILE), models=())


def test_profiles_are_listed_with_their_descriptions():
    names = [p.name for p in list_profiles()]
    assert set(profile_names()) <= set(names)


def test_a_profile_can_be_named_by_path():
    assert load_profile(str(PROFILE_DIR / "escpos-58mm-serial.toml")).width_mm == 48


def test_an_unknown_profile_is_a_configuration_error():
    with pytest.raises(ConfigError, match="no printer profile"):
        load_profile("no-such-printer")


def test_a_typo_in_a_profile_is_refused():
    with pytest.raises(ProfileError, match="unknown keys"):
        profile_from_mapping({**BUILTIN, "qr_mode": "native"})


def test_a_template_wider_than_the_printer_is_refused():
    with pytest.raises(ProfileError, match="wider"):
        profile_from_mapping({**BUILTIN, "template": "hj1276-100x100"})


def test_a_raster_label_cannot_have_a_native_qr():
    with pytest.raises(ProfileError):
        profile_from_mapping({**BUILTIN, "render": "raster", "qr": "native"})
