"""`wastetrace hub migrate|serve`: migrations from the command line, and a real server on a real socket."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from test_hub_support import ADMIN_TOKEN, count, sqlite_url

from hub.cli import listening_socket, main

ROOT = Path(__file__).resolve().parents[1]


def test_migrate_brings_an_empty_database_up_to_date(tmp_path, capsys):
    assert main(["migrate", "--db", sqlite_url(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert count(sqlite_url(tmp_path), "events") == 0


def test_serve_refuses_to_start_without_an_admin_token(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WT_HUB_ADMIN_TOKEN", raising=False)
    assert main(["serve", "--db", sqlite_url(tmp_path), "--port", "0"]) == 2
    assert "WT_HUB_ADMIN_TOKEN" in capsys.readouterr().err


def test_serve_answers_on_the_port_it_prints(tmp_path):
    env = {
        **os.environ,
        "WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN,
        "WT_HUB_KEY_FILE": str(tmp_path / "hub-key.pem"),
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "wastetrace.cli",
        "hub",
        "serve",
        "--db",
        sqlite_url(tmp_path),
        "--port",
        "0",
    ]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
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
