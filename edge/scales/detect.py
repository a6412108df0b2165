"""`wastetrace edge scale-detect --port DEV`: which indicator is on this port, and how is it set up?

For each usual serial setting (the shipped profiles' own first, then the other common baud rates) it
opens the port, listens, and feeds what it hears to every shipped profile's parser. Continuous
indicators talk unprompted; if nothing is heard, it politely sends each command-mode profile's poll
request, a few times with pauses, and listens for answers. A profile matches when its parser finds
several readings and little garbage in the bytes; the best match is named with the readings it saw, the
other profiles that read the bytes equally well are listed with their readings (compare them with the
indicator's display), and a `[[scales]]` block is printed to paste into the box's TOML.

Format options that change the frame are reported from the bytes themselves: Toledo continuous with the
checksum option on is recognised (the parser verifies the byte).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import serial

from edge.scales.profiles import load_profile, profile_names
from protocols.scale import NEED_DATA, Garbled, Reading, ScaleProfile, SerialSettings

COMMON_BAUDS = (9600, 4800, 2400, 1200, 19200, 38400, 57600, 115200)
COMMON_FRAMINGS = ((8, "N", 1), (7, "E", 1))
MIN_READINGS = 3


@dataclass
class Candidate:
    profile: ScaleProfile
    readings: list[int | None] = field(default_factory=list)
    garbled: int = 0
    checksum_seen: bool | None = None

    @property
    def score(self) -> tuple[int, int]:
        return (len(self.readings) - 4 * self.garbled, -self.garbled)

    @property
    def matches(self) -> bool:
        return len(self.readings) >= MIN_READINGS and self.garbled * 5 <= len(self.readings)


@dataclass
class Detection:
    settings: SerialSettings
    polled: bool
    best: Candidate
    also: list[Candidate]
    tried: list[str]


def settings_to_try(profiles: Iterable[ScaleProfile]) -> list[SerialSettings]:
    """The profiles' own serial settings first (most common first), then every common baud and framing."""
    seen: dict[SerialSettings, int] = {}
    for p in profiles:
        seen[p.serial] = seen.get(p.serial, 0) + 1
    ordered = sorted(seen, key=lambda s: (-seen[s], s.baudrate != 9600))
    for baud in COMMON_BAUDS:
        for bits, parity, stop in COMMON_FRAMINGS:
            s = SerialSettings(baud, bits, parity, stop)
            if s not in seen:
                ordered.append(s)
                seen[s] = 0
    return ordered


def judge(data: bytes, profiles: Iterable[ScaleProfile]) -> list[Candidate]:
    """Every profile's verdict on the bytes heard, best first."""
    out = []
    for profile in profiles:
        parser = profile.parser()
        parser.receive_data(data)
        c = Candidate(profile)
        while (event := parser.next_event()) is not NEED_DATA:
            if isinstance(event, Reading):
                c.readings.append(event.grams)
            elif isinstance(event, Garbled):
                c.garbled += 1
        c.checksum_seen = getattr(parser, "checksum_seen", None)
        out.append(c)
    return sorted(out, key=lambda c: c.score, reverse=True)


def _open(port: str, s: SerialSettings) -> serial.Serial:
    return serial.Serial(
        port,
        baudrate=s.baudrate,
        bytesize=s.bytesize,
        parity=s.parity,
        stopbits=s.stopbits,
        timeout=0.1,
        write_timeout=1.0,
        exclusive=True,
    )


def _listen(link: serial.Serial, seconds: float, clock: Callable[[], float]) -> bytes:
    data = bytearray()
    end = clock() + seconds
    while clock() < end and len(data) < 4096:
        data += link.read(256)
    return bytes(data)


def _poll_each(
    link: serial.Serial,
    command: list[ScaleProfile],
    s: SerialSettings,
    polls: int,
    clock: Callable[[], float],
) -> tuple[bytes, list[ScaleProfile]]:
    """Each protocol's request in turn, `polls` times, line-ended requests first (a request after
    another protocol's bytes would reach a line-based indicator as one bad line); the answers to the
    first request that a profile reads well, and the profiles that use that request."""
    by_request: dict[bytes, list[ScaleProfile]] = {}
    for p in sorted(command, key=lambda p: p.serial != s):
        request = p.poll_request()
        if request:
            by_request.setdefault(request, []).append(p)
    answered = []
    for request in sorted(by_request, key=lambda r: not r.endswith(b"\r\n")):
        heard = b""
        for _ in range(polls):
            link.write(request)
            heard += _listen(link, 0.3, clock)
        if heard:
            pool = by_request[request]
            if judge(heard, pool)[0].matches:
                return heard, pool
            answered.append((heard, pool))
    # Answers, but no profile reads them well: the best-looking one, for the log.
    return max(answered, key=lambda a: judge(*a)[0].score, default=(b"", []))


def detect(
    port: str,
    *,
    listen_s: float = 1.5,
    polls: int = 3,
    profiles: list[ScaleProfile] | None = None,
    say: Callable[[str], None] = lambda _line: None,
    clock: Callable[[], float] = time.monotonic,
    bauds: Iterable[int] = (),
) -> Detection | None:
    """The best match for what the port says, or None; `bauds` limits the rates tried."""
    only = set(bauds)
    profiles = profiles if profiles is not None else [load_profile(n) for n in profile_names()]
    continuous = [p for p in profiles if p.mode == "continuous"]
    command = [p for p in profiles if p.mode == "command"]
    tried = []
    for s in settings_to_try(profiles):
        if only and s.baudrate not in only:
            continue
        label = f"{s.baudrate} {s.bytesize}{s.parity}{s.stopbits}"
        tried.append(label)
        try:
            link = _open(port, s)
        except (serial.SerialException, OSError, ValueError) as exc:
            say(f"{label}: cannot open ({exc})")
            continue
        try:
            link.reset_input_buffer()
            heard = _listen(link, listen_s, clock)
            polled, pool = False, continuous
            if not heard and command:
                polled = True
                heard, pool = _poll_each(link, command, s, polls, clock)
        except (serial.SerialException, OSError) as exc:
            say(f"{label}: {exc}")
            continue
        finally:
            link.close()
        if not heard:
            say(f"{label}: silent{' (polled too)' if command else ''}")
            continue
        ranked = judge(heard, pool)
        best = ranked[0]
        say(f"{label}: {len(heard)} bytes{', polled' if polled else ''}; best {best.profile.name} "
            f"({len(best.readings)} readings, {best.garbled} garbled)")  # fmt: skip
        if best.matches:
            also = [c for c in ranked[1:] if c.matches and c.score == best.score]
            # Prefer the profile whose own serial settings are the ones that worked.
            equal = [best, *also]
            own = [c for c in equal if c.profile.serial == s]
            if own and own[0] is not best:
                best = own[0]
                also = [c for c in equal if c is not best]
            return Detection(s, polled, best, also, tried)
    return None


def kg(grams: int | None) -> str:
    return "--" if grams is None else f"{grams / 1000:.3f} kg"


def report(found: Detection, port: str) -> str:
    best = found.best
    p = best.profile
    s = found.settings
    seen = ", ".join(kg(g) for g in best.readings[:5])
    lines = [
        f"找到秤 / found: {p.model}",
        f"  profile {p.name} · {p.protocol} ({p.mode}) · {s.baudrate} {s.bytesize}{s.parity}{s.stopbits}",
        f"  readings seen: {seen}  (check them against the indicator's display)",
    ]
    if best.checksum_seen:
        lines.append("  the frames carry a checksum byte; it was verified on every frame")
    for c in found.also:
        lines.append(
            f"  also reads these bytes: {c.profile.name} ({', '.join(kg(g) for g in c.readings[:3])})"
        )
    lines += [
        "",
        "# paste into the box's TOML (docs/edge-config.md):",
        "[[scales]]",
        'name = "scale"',
        f'port = "{port}"',
        f'profile = "{p.name}"',
    ]
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scale-detect", help="find which indicator profile and serial settings a scale's port speaks"
    )
    p.add_argument("--port", required=True, help="the serial port, e.g. /dev/serial/by-id/usb-…")
    p.add_argument(
        "--listen", type=float, default=1.5, help="seconds to listen at each setting (default 1.5)"
    )
    p.add_argument(
        "--baud", type=int, action="append", default=[], help="try only this rate (repeat for several)"
    )


def run(args: argparse.Namespace) -> int:
    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    found = detect(args.port, listen_s=args.listen, say=say, bauds=args.baud)
    if found is None:
        print(
            f"no shipped profile reads {args.port} at any usual setting: check the cable, that the indicator"
            " sends (continuous output, or answers requests) and see docs/scales.md",
            file=sys.stderr,
        )
        return 1
    print(report(found, args.port))
    return 0
