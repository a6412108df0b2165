"""Toledo continuous output with the terminal's checksum option on is read under the shipped profile
(checksum = false): the byte after CR is recognised as a checksum and verified, not taken for garbage."""

from __future__ import annotations

from dataclasses import replace

from edge.scales.profiles import load_profile
from edge.scales.reader import ScaleReader
from protocols.scale import NEED_DATA, Garbled, Reading
from protocols.scale.toledo import ToledoParser, encode_toledo
from simulators.scale import ScaleSimulator


def events(parser, data: bytes, *, byte_by_byte: bool = False):
    chunks = [data[i : i + 1] for i in range(len(data))] if byte_by_byte else [data]
    out = []
    for chunk in chunks:
        parser.receive_data(chunk)
        while (event := parser.next_event()) is not NEED_DATA:
            out.append(event)
    return out


def frames(with_checksum: bool, n: int = 4) -> bytes:
    return b"".join(encode_toledo(12340 + 10 * i, checksum_byte=with_checksum) for i in range(n))


def test_frames_with_a_checksum_are_read_and_the_option_is_recognised():
    for byte_by_byte in (False, True):
        parser = ToledoParser()
        got = events(parser, frames(True), byte_by_byte=byte_by_byte)
        assert [e.grams for e in got if isinstance(e, Reading)] == [12340, 12350, 12360, 12370]
        assert not [e for e in got if isinstance(e, Garbled)] and parser.checksum_seen is True


def test_frames_without_a_checksum_are_read_as_before():
    parser = ToledoParser()
    got = events(parser, frames(False), byte_by_byte=True)
    assert [e.grams for e in got] == [12340, 12350, 12360, 12370] and parser.checksum_seen is False


def test_a_wrong_checksum_byte_is_garbage_never_a_weight():
    good = encode_toledo(12340, checksum_byte=True)
    bad = good[:-1] + bytes([(good[-1] + 1) & 0x7F])
    parser = ToledoParser()
    got = events(parser, good + bad + good)
    assert [type(e).__name__ for e in got] == ["Reading", "Garbled", "Reading"]
    assert "checksum" in got[1].reason


async def test_the_shipped_profile_weighs_a_terminal_sending_checksums(tmp_path):
    shipped = load_profile("mettler-toledo-continuous")
    assert shipped.frame.checksum is False
    terminal = replace(shipped, frame=replace(shipped.frame, checksum=True))
    kwargs = {"hz": 25, "settle_ms": 0, "seed": 3, "control_port": None, "initial_grams": 12340}
    async with ScaleSimulator.from_profile(tmp_path / "scale.tty", terminal, **kwargs) as sim:
        reader = ScaleReader.from_profile(str(sim.link), shipped)
        await reader.start()
        try:
            assert await reader.wait_stable(10) == 12340
            assert reader.state().garbled_count == 0
        finally:
            await reader.stop()
