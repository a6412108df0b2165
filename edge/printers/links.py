"""How the edge reaches a printer: TCP, a serial line, a USB printer, or a printer device file.

A printer URI names the link:

    tcp://192.168.1.50:9100                       raw TCP (JetDirect / port 9100)
    serial:///dev/ttyUSB0?baud=9600&rtscts=1      RS-232 through pyserial (also bytesize, parity, stopbits,
                                                  xonxoff, dsrdtr)
    usb://0416:5011?in_ep=0x82&out_ep=0x01        a USB printer through python-escpos (pyusb + libusb)
    file:///dev/usb/lp0                           a printer device file (the kernel's usblp driver)

Every link is opened for one job and closed after it, so an answer that arrives late to one job can never
be read as the answer to the next. Blocking drivers (pyserial, pyusb, device files) run in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import serial

DEFAULT_TCP_PORT = 9100
_SERIAL_BITS = {5: serial.FIVEBITS, 6: serial.SIXBITS, 7: serial.SEVENBITS, 8: serial.EIGHTBITS}
_SERIAL_PARITY = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD}
_SERIAL_STOP = {"1": serial.STOPBITS_ONE, "1.5": serial.STOPBITS_ONE_POINT_FIVE, "2": serial.STOPBITS_TWO}


class PrinterUriError(ValueError):
    """A printer URI the edge cannot use; the message shows the accepted forms."""


class LinkError(ConnectionError):
    """The link to the printer could not be opened, or broke while in use."""


class PrinterLink(Protocol):
    async def write(self, data: bytes, timeout_s: float) -> None:
        """Send all of `data`; return when it has left this box (or raise LinkError / TimeoutError)."""
        ...

    async def read_exactly(self, n: int, timeout_s: float) -> bytes:
        """Read exactly `n` bytes, or raise TimeoutError / LinkError."""
        ...

    async def close(self) -> None: ...


LinkOpener = Callable[[], Awaitable[PrinterLink]]


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """A parsed printer URI: the scheme, where, and its options; `opener()` makes the links."""

    scheme: str
    target: str
    options: dict[str, str]
    uri: str

    @property
    def baudrate(self) -> int | None:
        return int(self.options.get("baud", "9600")) if self.scheme == "serial" else None

    def opener(self, timeout_s: float) -> LinkOpener:
        if self.scheme == "tcp":
            host, _, port = self.target.rpartition(":")
            return lambda: TcpLink.open(host, int(port), timeout_s)
        if self.scheme == "serial":
            return lambda: SerialLink.open(self.target, self.options, timeout_s)
        if self.scheme == "file":
            return lambda: FileLink.open(self.target, timeout_s)
        return lambda: UsbLink.open(self.target, self.options, timeout_s)

    def transfer_s(self, size: int) -> float:
        """How long `size` bytes take on the wire (serial lines only; 10 bits a byte with start and stop)."""
        baud = self.baudrate
        return 0.0 if baud is None else size * 10 / baud


def parse_printer_uri(uri: str) -> LinkSpec:
    """Check and split a printer URI (see the module docstring for the forms)."""
    parts = urlsplit(uri)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    scheme = parts.scheme.lower()
    if scheme == "tcp":
        if not parts.hostname:
            raise PrinterUriError(f"printer uri {uri!r}: tcp needs a host, e.g. tcp://192.168.1.50:9100")
        try:
            port = parts.port or DEFAULT_TCP_PORT
        except ValueError as exc:
            raise PrinterUriError(f"printer uri {uri!r}: bad port") from exc
        return LinkSpec("tcp", f"{parts.hostname}:{port}", options, uri)
    if scheme in ("serial", "file"):
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise PrinterUriError(
                f"printer uri {uri!r}: {scheme} needs an absolute path, e.g. {scheme}:///dev/…"
            )
        if scheme == "serial":
            _check_serial_options(uri, options)
        return LinkSpec(scheme, path, options, uri)
    if scheme == "usb":
        vid, _, pid = parts.netloc.partition(":")
        try:
            int(vid, 16), int(pid, 16)
        except ValueError as exc:
            raise PrinterUriError(
                f"printer uri {uri!r}: usb needs the vendor and product id in hex, e.g. usb://0416:5011"
            ) from exc
        return LinkSpec("usb", f"{vid}:{pid}", options, uri)
    raise PrinterUriError(
        f"printer uri {uri!r}: use tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, usb://VID:PID "
        "or file:///dev/usb/lp0"
    )


def _check_serial_options(uri: str, options: dict[str, str]) -> None:
    allowed = {"baud", "bytesize", "parity", "stopbits", "rtscts", "xonxoff", "dsrdtr"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise PrinterUriError(
            f"printer uri {uri!r}: unknown serial options {unknown}; allowed: {sorted(allowed)}"
        )
    try:
        if int(options.get("baud", "9600")) <= 0:
            raise ValueError
        _SERIAL_BITS[int(options.get("bytesize", "8"))]
        _SERIAL_PARITY[options.get("parity", "N").upper()]
        _SERIAL_STOP[options.get("stopbits", "1")]
    except (KeyError, ValueError) as exc:
        raise PrinterUriError(
            f"printer uri {uri!r}: baud is a positive number, bytesize 5-8, parity N/E/O, stopbits 1/1.5/2"
        ) from exc


def _flag(options: dict[str, str], name: str) -> bool:
    return options.get(name, "0").lower() in ("1", "true", "yes", "on")


# -- TCP ------------------------------------------------------------------------------------------------


class TcpLink:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int, timeout_s: float) -> TcpLink:
        try:
            async with asyncio.timeout(timeout_s):
                reader, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            raise LinkError(f"cannot connect to tcp://{host}:{port}: {exc!r}") from exc
        return cls(reader, writer)

    async def write(self, data: bytes, timeout_s: float) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                self._writer.write(data)
                await self._writer.drain()
        except ConnectionError as exc:
            raise LinkError(f"connection lost while sending: {exc!r}") from exc

    async def read_exactly(self, n: int, timeout_s: float) -> bytes:
        try:
            async with asyncio.timeout(timeout_s):
                return await self._reader.readexactly(n)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            raise LinkError(f"connection lost while reading: {exc!r}") from exc

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, TimeoutError):
            async with asyncio.timeout(2):
                await self._writer.wait_closed()


# -- blocking drivers, run in a thread ------------------------------------------------------------------


class _ThreadedLink:
    """A blocking device driven from asyncio: each call runs in a worker thread, bounded by a timeout."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._buffer = bytearray()

    def _write_blocking(self, data: bytes, timeout_s: float) -> None:
        raise NotImplementedError

    def _read_blocking(self, timeout_s: float) -> bytes:
        raise NotImplementedError

    def _close_blocking(self) -> None:
        raise NotImplementedError

    async def write(self, data: bytes, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(asyncio.to_thread(self._write_blocking, data, timeout_s), timeout_s + 1)
        except (OSError, serial.SerialException) as exc:
            raise LinkError(f"{self.name}: sending failed: {exc}") from exc

    async def read_exactly(self, n: int, timeout_s: float) -> bytes:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while len(self._buffer) < n:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no answer within {timeout_s} s")
            try:
                chunk = await asyncio.to_thread(self._read_blocking, min(remaining, 0.5))
            except (OSError, serial.SerialException) as exc:
                raise LinkError(f"{self.name}: reading failed: {exc}") from exc
            self._buffer += chunk
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    async def close(self) -> None:
        # A driver stuck in a drain (a serial printer holding CTS low) must not hold the printer forever:
        # give closing two seconds, then leave the worker thread behind.
        with contextlib.suppress(OSError, serial.SerialException, TimeoutError):
            await asyncio.wait_for(asyncio.to_thread(self._close_blocking), 2)


class SerialLink(_ThreadedLink):
    def __init__(self, port: serial.Serial, name: str) -> None:
        super().__init__(name)
        self._port = port

    @classmethod
    async def open(cls, path: str, options: dict[str, str], timeout_s: float) -> SerialLink:
        baud = int(options.get("baud", "9600"))

        def open_port() -> serial.Serial:
            port = serial.Serial(
                path,
                baudrate=baud,
                bytesize=_SERIAL_BITS[int(options.get("bytesize", "8"))],
                parity=_SERIAL_PARITY[options.get("parity", "N").upper()],
                stopbits=_SERIAL_STOP[options.get("stopbits", "1")],
                rtscts=_flag(options, "rtscts"),
                xonxoff=_flag(options, "xonxoff"),
                dsrdtr=_flag(options, "dsrdtr"),
                timeout=0,
            )
            # Bytes left over from an earlier job (a late status answer) must not answer this one.
            port.reset_input_buffer()
            return port

        name = f"serial://{path}"
        try:
            port = await asyncio.wait_for(asyncio.to_thread(open_port), timeout_s)
        except (OSError, serial.SerialException, TimeoutError) as exc:
            raise LinkError(f"cannot open {name}: {exc}") from exc
        return cls(port, name)

    def _write_blocking(self, data: bytes, timeout_s: float) -> None:
        self._port.write_timeout = timeout_s
        try:
            self._port.write(data)
        except serial.SerialTimeoutException as exc:
            raise TimeoutError(f"{self.name}: the printer took no data for {timeout_s} s") from exc
        self._port.flush()  # tcdrain: the bytes have left the UART

    def _read_blocking(self, timeout_s: float) -> bytes:
        self._port.timeout = timeout_s
        return self._port.read(1) + self._port.read(self._port.in_waiting)

    def _close_blocking(self) -> None:
        self._port.close()


class FileLink(_ThreadedLink):
    """A printer device file such as /dev/usb/lp0 (usblp reads the printer's answers back too)."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__(name)
        self._fd = fd

    @classmethod
    async def open(cls, path: str, timeout_s: float) -> FileLink:
        name = f"file://{path}"
        try:
            fd = await asyncio.wait_for(asyncio.to_thread(os.open, path, os.O_RDWR | os.O_NOCTTY), timeout_s)
        except (OSError, TimeoutError) as exc:
            raise LinkError(f"cannot open {name}: {exc}") from exc
        return cls(fd, name)

    def _write_blocking(self, data: bytes, timeout_s: float) -> None:
        view = memoryview(data)
        while view:
            _, ready, _ = select.select([], [self._fd], [], timeout_s)
            if not ready:
                raise TimeoutError(f"{self.name}: the printer took no data for {timeout_s} s")
            view = view[os.write(self._fd, view) :]

    def _read_blocking(self, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self._fd], [], [], timeout_s)
        return os.read(self._fd, 64) if ready else b""

    def _close_blocking(self) -> None:
        os.close(self._fd)


class UsbLink(_ThreadedLink):
    """A USB printer claimed through python-escpos's Usb backend (pyusb on libusb)."""

    def __init__(self, device: Any, name: str) -> None:
        super().__init__(name)
        self._device = device

    @classmethod
    async def open(cls, target: str, options: dict[str, str], timeout_s: float) -> UsbLink:
        vid, _, pid = target.partition(":")
        name = f"usb://{target}"
        try:
            import usb.core
            from escpos.exceptions import DeviceNotFoundError, USBNotFoundError
            from escpos.printer import Usb
        except ImportError as exc:  # python-escpos is a dependency; this only fails on a broken install
            raise LinkError(f"{name}: python-escpos is not installed: {exc}") from exc

        def open_device() -> Any:
            device = Usb(
                int(vid, 16),
                int(pid, 16),
                timeout=int(timeout_s * 1000),
                in_ep=int(options.get("in_ep", "0x82"), 0),
                out_ep=int(options.get("out_ep", "0x01"), 0),
            )
            device.open()
            return device

        try:
            device = await asyncio.wait_for(asyncio.to_thread(open_device), timeout_s)
        except (DeviceNotFoundError, USBNotFoundError, OSError, TimeoutError) as exc:
            raise LinkError(f"cannot open {name}: {exc}") from exc
        except usb.core.NoBackendError as exc:  # pyusb is there but the libusb shared library is not
            raise LinkError(
                f"cannot open {name}: libusb is missing on this box (install libusb-1.0-0): {exc}"
            ) from exc
        except RuntimeError as exc:  # python-escpos raises this when pyusb or libusb is missing
            raise LinkError(f"cannot open {name}: {exc} (install pyusb and libusb-1.0)") from exc
        return cls(device, name)

    def _write_blocking(self, data: bytes, timeout_s: float) -> None:
        self._device._raw(data)

    def _read_blocking(self, timeout_s: float) -> bytes:
        import usb.core  # pyusb: present whenever a Usb device could be opened

        try:
            return bytes(self._device._read())
        except usb.core.USBTimeoutError:
            return b""  # nothing to read yet
        except usb.core.USBError as exc:
            raise OSError(str(exc)) from exc

    def _close_blocking(self) -> None:
        self._device.close()
