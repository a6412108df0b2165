"""A sans-I/O ESC/POS stream decoder: feed it bytes, pull events.

    decoder = EscposDecoder()
    decoder.receive_data(chunk)
    while (event := decoder.next_event()) is not NEED_DATA:
        ...

Events come out the same however the stream is chunked: text is released at a line feed or just before
the next command (never at a chunk boundary), and a command is released only when all its bytes are in.
Memory is bounded: a command longer than `max_command_bytes` is reported as `Unknown(header)` and its
body discarded as it arrives, and a run of text with no line feed is released every `max_text_bytes`.
"""

from __future__ import annotations

from protocols.escpos.commands import COMMANDS, CR, HT, LF, PREFIX_BYTES
from protocols.escpos.events import NEED_DATA, Event, Text, Unknown, _NeedData

# python-escpos splits images into 960-row fragments: 72 bytes × 960 rows = 69,120 bytes for 576 dots.
DEFAULT_MAX_COMMAND_BYTES = 1 << 20
DEFAULT_MAX_TEXT_BYTES = 4096

_TEXT_CONTROLS = frozenset({LF, CR, HT})


def _is_text(byte: int) -> bool:
    return byte >= 0x20 or byte in _TEXT_CONTROLS


class EscposDecoder:
    def __init__(
        self,
        *,
        max_command_bytes: int = DEFAULT_MAX_COMMAND_BYTES,
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    ) -> None:
        if max_command_bytes < 16 or max_text_bytes < 1:
            raise ValueError("max_command_bytes must be >= 16 and max_text_bytes >= 1")
        self._buffer = bytearray()
        self._discard = 0
        self._max_command = max_command_bytes
        self._max_text = max_text_bytes

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        """Bytes received but not yet turned into events (a half command or an unterminated line)."""
        return len(self._buffer)

    def next_event(self) -> Event | _NeedData:
        buf = self._buffer
        if self._discard:
            dropped = min(self._discard, len(buf))
            del buf[:dropped]
            self._discard -= dropped
            if self._discard:
                return NEED_DATA
        if not buf:
            return NEED_DATA
        first = buf[0]
        if first in PREFIX_BYTES:
            return self._command()
        if _is_text(first):
            return self._text()
        del buf[:1]
        return Unknown(bytes([first]))

    def _command(self) -> Event | _NeedData:
        buf = self._buffer
        if len(buf) < 2:
            return NEED_DATA
        entry = COMMANDS.get(bytes(buf[:2]))
        if entry is None:
            # Unknown commands are assumed to take no arguments: the best guess that keeps text flowing.
            command = bytes(buf[:2])
            del buf[:2]
            return Unknown(command)
        length_rule, header_len, build = entry
        total = length_rule(buf)
        if total is None:
            return NEED_DATA
        if total > self._max_command:
            header = bytes(buf[: min(header_len, total)])
            taken = min(total, len(buf))
            del buf[:taken]
            self._discard = total - taken
            return Unknown(header)
        if len(buf) < total:
            return NEED_DATA
        command = bytes(buf[:total])
        del buf[:total]
        return build(command)

    def _text(self) -> Event | _NeedData:
        buf = self._buffer
        limit = min(len(buf), self._max_text)
        end = 0
        while end < limit and _is_text(buf[end]):
            end += 1
            if buf[end - 1] == LF:
                break
        ended = buf[end - 1] == LF or (end < len(buf) and not _is_text(buf[end])) or end == self._max_text
        if not ended:
            return NEED_DATA
        data = bytes(buf[:end])
        del buf[:end]
        return Text(data)
