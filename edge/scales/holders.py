"""Who holds a serial port's lock: named in the log when the reader cannot take the port for itself.

The reader opens its port exclusively (flock), because two readers on one port would each get half the
bytes. When that lock is refused, "Resource temporarily unavailable" says nothing about who holds it;
/proc/locks does, so the warning names the process (another `wastetrace edge`, a `scale-read` left
running, or a reader elsewhere whose stale path now resolves to this pty's reused number).
"""

from __future__ import annotations

import os
from pathlib import Path

_MAX_CMDLINE = 160


def lock_holders(port: str, proc: Path = Path("/proc")) -> list[str]:
    """'pid 123 (cmdline)' for every process holding a flock on `port`'s device; [] when unknown."""
    try:
        st = os.stat(port)
        locks = (proc / "locks").read_text()
    except OSError:
        return []
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    found = []
    for line in locks.splitlines():
        fields = line.split()
        if "FLOCK" not in fields or "->" in fields:  # "->": a waiter, not a holder
            continue
        at = fields.index("FLOCK")
        if len(fields) > at + 4 and fields[at + 4] == where:
            pid = fields[at + 3]
            found.append(f"pid {pid} ({_cmdline(proc / pid / 'cmdline')})")
    return found


def _cmdline(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError:
        return "?"
    text = raw.replace(b"\0", b" ").decode(errors="replace").strip() or "?"
    return text if len(text) <= _MAX_CMDLINE else text[: _MAX_CMDLINE - 1] + "…"
