"""A refused exclusive open names who holds the port, so an installer (or a flaky test run) knows what
to stop instead of reading "Resource temporarily unavailable"."""

import fcntl
import logging
import os
import subprocess
import sys
import tty

from edge.scales.holders import lock_holders
from edge.scales.reader import ScaleReader
from tests.waiting import wait_for


def test_the_lock_holder_is_named_from_proc_locks():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY);"
            " fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()",
            path,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert [h for h in lock_holders(path) if h.startswith(f"pid {holder.pid} ")]
        assert "-c import fcntl" in lock_holders(path)[0]
    finally:
        holder.stdin.close()
        holder.wait(10)
        os.close(master)
        os.close(slave)
    assert lock_holders(path) == [] or all(f"pid {holder.pid} " not in h for h in lock_holders(path))


def test_a_port_nobody_locks_has_no_holders(tmp_path):
    assert lock_holders(str(tmp_path / "no-such-port")) == []


async def test_the_reader_warns_with_the_holder_when_the_lock_is_refused(caplog):
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    other = os.open(path, os.O_RDWR | os.O_NOCTTY)
    fcntl.flock(other, fcntl.LOCK_EX)
    reader = ScaleReader(path)
    caplog.set_level(logging.WARNING, logger="edge.scales.reader")
    try:
        await reader.start()
        assert not reader.state().connected
        await wait_for(lambda: "held by pid" in caplog.text)
        assert f"held by pid {os.getpid()} " in caplog.text
        fcntl.flock(other, fcntl.LOCK_UN)  # let go: the reader takes the port on its next try
        await wait_for(lambda: reader.state().connected, timeout_s=10)
    finally:
        await reader.stop()
        os.close(other)
        os.close(master)
        os.close(slave)
