"""`wastetrace hub migrate|serve`: migrations from the command line, and a real server on a real socket."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from test_hub_support import ADMIN_TOKEN, count, sqlite_url

from hub.cli import listening_socket, main
from tests.reliability_support import wait_until

ROOT = Path(__file__).resolve().parents[1]


def test_migrate_brings_an_empty_database_up_to_date(tmp_path, capsys):
    assert main(["migrate", "--db", sqlite_url(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert count(sqlite_url(tmp_path), "events") == 0


def test_serve_refuses_to_start_without_an_admin_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WT_HUB_ADMIN_TOKEN", raising=False)
    assert main(["serve", "--db", sqlite_url(tmp_path), "--port", "0"]) == 2
    assert "WT_HUB_ADMIN_TOKEN" in capsys.readouterr().err


def serve(tmp_path: Path, *flags: str) -> subprocess.Popen[str]:
    """`wastetrace hub serve` on a fresh SQLite database and a free port, as an operator starts it."""
    env = {
        **os.environ,
        "WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN,
        "WT_HUB_KEY_FILE": str(tmp_path / "hub-key.pem"),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "wastetrace.cli", "hub", "serve", "--db", sqlite_url(tmp_path)]
    return subprocess.Popen(
        [*command, "--port", "0", *flags],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_serve_answers_on_the_port_it_prints(tmp_path):
    proc = serve(tmp_path)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("hub: http://127.0.0.1:"), line
        url = line.split(" ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=10) as answer:
            assert answer.read() == b'{"status":"ok"}'
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_the_served_socket_answers_without_nagle_delay():
    # asyncio turns TCP_NODELAY on for accepted connections only when the listening socket says it is TCP;
    # without it a small kept-alive answer waits for the client's delayed ACK (~40 ms).
    sock = listening_socket("127.0.0.1", 0)
    sock.listen()
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            conn = transport.get_extra_info("socket")
            accepted.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
    async with server:
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()


def _workers_of(parent: int) -> set[int]:
    """The spawned worker processes of a `hub serve --workers N` parent (not multiprocessing's tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def test_serve_with_two_workers_shares_the_port_and_replaces_a_dead_worker(tmp_path):
    proc = serve(tmp_path, "--workers", "2", "--log-level", "warning")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("hub: http://127.0.0.1:"), line
        url = line.split(" ", 1)[1].strip()
        # Each on a new connection, taken by whichever worker accepts it; the first waits for a worker to
        # have imported the hub, which on a loaded machine takes a while.
        for n in range(20):
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=180 if n == 0 else 60) as answer:
                assert answer.read() == b'{"status":"ok"}'
        wait_until(lambda: len(_workers_of(proc.pid)) == 2, 60, "two workers")
        first = _workers_of(proc.pid)
        assert (tmp_path / "hub-key.pem").exists()  # made once by the parent, read by both

        os.kill(min(first), signal.SIGKILL)
        wait_until(
            lambda: len(_workers_of(proc.pid)) == 2 and min(first) not in _workers_of(proc.pid),
            60,
            "the dead worker replaced",
        )
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=180) as answer:
            assert answer.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert _workers_of(proc.pid) == set()


def test_serve_refuses_a_worker_count_out_of_range(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WT_HUB_ADMIN_TOKEN", ADMIN_TOKEN)
    assert main(["serve", "--db", sqlite_url(tmp_path), "--port", "0", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
