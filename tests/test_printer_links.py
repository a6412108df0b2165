"""Printer URIs: TCP, serial, USB and device files; what each one is refused for."""

import pytest

from edge.config import ConfigError
from edge.printers.errors import PrinterOffline
from edge.printers.links import PrinterUriError, parse_printer_uri
from edge.printers.wiring import open_printer
from tests.label_support import profile


@pytest.mark.parametrize(
    ("uri", "scheme", "target"),
    [
        ("tcp://192.168.1.50:9100", "tcp", "192.168.1.50:9100"),
        ("tcp://printer.local", "tcp", "printer.local:9100"),
        ("serial:///dev/ttyUSB0?baud=9600", "serial", "/dev/ttyUSB0"),
        (
            "serial:///dev/serial/by-id/usb-Prolific-if00?baud=115200&rtscts=1",
            "serial",
            "/dev/serial/by-id/usb-Prolific-if00",
        ),
        ("usb://0416:5011", "usb", "0416:5011"),
        ("file:///dev/usb/lp0", "file", "/dev/usb/lp0"),
    ],
)
def test_accepted_uris(uri, scheme, target):
    spec = parse_printer_uri(uri)
    assert (spec.scheme, spec.target) == (scheme, target)


@pytest.mark.parametrize(
    "uri",
    [
        "lpt://1",
        "tcp://:9100",
        "serial://ttyUSB0",
        "serial:///dev/ttyUSB0?baud=fast",
        "serial:///dev/ttyUSB0?parity=X",
        "serial:///dev/ttyUSB0?speed=9600",
        "usb://printer",
    ],
)
def test_refused_uris(uri):
    with pytest.raises(PrinterUriError):
        parse_printer_uri(uri)


def test_serial_transfer_time_counts_ten_bits_a_byte():
    assert parse_printer_uri("serial:///dev/ttyS0?baud=9600").transfer_s(960) == pytest.approx(1.0)
    assert parse_printer_uri("tcp://h:9100").transfer_s(10**6) == 0.0


def test_a_bad_uri_in_the_configuration_is_a_configuration_error():
    with pytest.raises(ConfigError, match="tcp://host:9100"):
        open_printer("ipp://printer/queue", profile("escpos-80mm-raster"))


def test_without_a_uri_the_profile_connection_is_used():
    assert open_printer("", profile("escpos-58mm-serial")).name == "serial:///dev/ttyUSB0?baud=9600"


async def test_an_absent_usb_printer_is_offline_with_the_reason():
    # No printer with this id is plugged in here: pyusb finds nothing (or libusb is missing); either way
    # the operator is told the printer is not there, not shown a traceback.
    printer = open_printer("usb://1234:abcd", profile("escpos-58mm-usb-qr-raster"), timeout_s=2.0)
    with pytest.raises(PrinterOffline, match="usb://1234:abcd"):
        await printer.status()


async def test_a_box_without_libusb_reports_the_usb_printer_offline_and_says_why(monkeypatch):
    # A fresh Pi image may have pyusb but not the libusb shared library: pyusb then raises NoBackendError.
    import usb.core

    def no_backend(*_args, **_kwargs):
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    printer = open_printer("usb://1234:abcd", profile("escpos-58mm-usb-qr-raster"), timeout_s=2.0)
    with pytest.raises(PrinterOffline, match="libusb is missing"):
        await printer.status()
