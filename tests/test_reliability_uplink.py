"""The HTTP uplink against a real hub through the fault proxy, and against a hub that answers wrongly.

Whatever the network or the hub does, each event ends up at the hub exactly once and the cursor moves
only on a signed receipt for the batch that was sent.
"""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from edge.ledger import Ledger
from edge.uplink import DESTINATION, BatchPolicy, HttpTransport, Uplink, UplinkError
from protocols.ledger import Receipt, generate_private_key, open_batch, seal_receipt, verify_chain
from simulators.fault_proxy import FaultProxy
from tests.reliability_support import ServedHub, fill, make_hub


@pytest.fixture
def hub(tmp_path):
    harness = make_hub(tmp_path / "hub")
    served = ServedHub(harness)
    yield harness, served
    served.stop()


@pytest.fixture
def ledger(tmp_path, hub):
    harness, _ = hub
    led = Ledger(tmp_path / "edge" / "ledger.db", harness.device_id)
    yield led
    led.close()


def uplink_to(url: str, ledger: Ledger, device_key, hub_key, clock_ms=None, **policy) -> Uplink:
    policy = {"max_events": 50, "max_bytes": 1_000_000, "max_age_ms": 0} | policy
    return Uplink(
        ledger,
        HttpTransport(url, timeout_s=10),
        device_key,
        hub_key,
        policy=BatchPolicy(**policy),
        clock_ms=clock_ms,
    )


async def flush_all(uplink: Uplink, ledger: Ledger, timeout_s: float = 60) -> int:
    """Flush until the hub has acknowledged everything; return how many rounds failed on the way."""
    failures = 0
    deadline = asyncio.get_running_loop().time() + timeout_s
    while ledger.backlog(DESTINATION)[0]:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"backlog left: {ledger.backlog(DESTINATION)}")
        try:
            await uplink.flush_once(wait_for_full=False)
        except UplinkError:
            failures += 1
            await asyncio.sleep(0.01)
    return failures


def assert_exactly_once(harness, ledger: Ledger) -> None:
    seqs = [
        s
        for (s,) in harness.rows(
            f"SELECT seq FROM events WHERE device_id = '{harness.device_id}' ORDER BY seq"
        )
    ]
    assert seqs == list(range(1, ledger.head()[0] + 1))
    assert verify_chain(ledger.events_after(0, 100_000)) == ledger.head()
    hashes = dict(harness.rows("SELECT seq, event_hash FROM events"))
    assert all(hashes[e.seq] == e.hash for e in ledger.events_after(0, 100_000))


async def test_a_hub_answering_500_loses_nothing_and_stores_each_event_once(hub, ledger):
    harness, served = hub
    fill(ledger, 300)
    async with FaultProxy("127.0.0.1", served.port, protocol="http", seed=5) as proxy:
        proxy.set(http_error=1.0)
        uplink = uplink_to(
            f"http://127.0.0.1:{proxy.port}", ledger, harness.device_key, harness.hub_public_key
        )
        for _ in range(3):
            with pytest.raises(UplinkError, match="500"):
                await uplink.flush_once(wait_for_full=False)
        assert ledger.cursor(DESTINATION) == 0
        proxy.clear()
        await flush_all(uplink, ledger)
        await uplink.transport.close()
    # The hub stored the first batch behind the first 500; the resends were duplicates, stored once.
    assert proxy.stats["http_500"] == 3
    assert_exactly_once(harness, ledger)


async def test_an_answer_lost_after_the_hub_stored_the_batch_is_resent_and_stored_once(hub, ledger):
    harness, served = hub
    fill(ledger, 200)
    async with FaultProxy("127.0.0.1", served.port, protocol="http", seed=7) as proxy:
        proxy.set(drop=0.5)
        uplink = uplink_to(
            f"http://127.0.0.1:{proxy.port}", ledger, harness.device_key, harness.hub_public_key
        )
        failures = await flush_all(uplink, ledger)
        await uplink.transport.close()
    assert failures > 0 and proxy.stats["dropped_down"] == failures
    assert_exactly_once(harness, ledger)


async def test_doubled_and_stale_replayed_requests_store_each_event_once(hub, ledger):
    harness, served = hub
    fill(ledger, 400)
    async with FaultProxy("127.0.0.1", served.port, protocol="http", seed=11) as proxy:
        proxy.set(duplicate=0.5, reorder=0.5, delay_ms=2, jitter_ms=5)
        uplink = uplink_to(
            f"http://127.0.0.1:{proxy.port}", ledger, harness.device_key, harness.hub_public_key
        )
        await flush_all(uplink, ledger)
        await uplink.transport.close()
    assert proxy.stats["duplicated_up"] > 0 and proxy.stats["replayed_late"] > 0
    assert_exactly_once(harness, ledger)


async def test_a_connection_cut_mid_request_loses_nothing(hub, ledger):
    harness, served = hub
    fill(ledger, 200)
    async with FaultProxy("127.0.0.1", served.port, protocol="http", seed=3) as proxy:
        proxy.set(cut=0.4)
        uplink = uplink_to(
            f"http://127.0.0.1:{proxy.port}", ledger, harness.device_key, harness.hub_public_key
        )
        await flush_all(uplink, ledger)
        await uplink.transport.close()
    assert proxy.stats["cut_up"] > 0
    assert_exactly_once(harness, ledger)


async def test_a_gap_answer_moves_the_cursor_back_and_everything_is_resent(hub, ledger):
    harness, served = hub
    fill(ledger, 120)
    ledger.set_cursor(DESTINATION, 100)  # as if the hub had been restored from an old backup
    uplink = uplink_to(served.url, ledger, harness.device_key, harness.hub_public_key)
    with pytest.raises(UplinkError, match="resending from there"):
        await uplink.flush_once(wait_for_full=False)
    assert ledger.cursor(DESTINATION) == 0
    await flush_all(uplink, ledger)
    await uplink.transport.close()
    assert_exactly_once(harness, ledger)


class LyingHub:
    """A hub that signs receipts, but not the right ones."""

    def __init__(self, batch_id: str | None = None, extra_acked: int = 0) -> None:
        self.key = generate_private_key()
        self.batch_id = batch_id
        self.extra_acked = extra_acked

    async def handle(self, request: web.Request) -> web.Response:
        envelope = await request.json()
        batch = open_batch(envelope, envelope_key(envelope))
        receipt = Receipt(
            batch.device_id,
            self.batch_id or batch.batch_id,
            batch.last_seq + self.extra_acked,
            len(batch.events),
            0,
            1,
        )
        return web.json_response({"receipt": seal_receipt(self.key, receipt)})


_DEVICE_KEYS: dict[str, object] = {}


def envelope_key(envelope):
    return _DEVICE_KEYS[envelope["body"]["device_id"]]


@pytest.fixture
async def lying_hub():
    hubs = []

    async def start(liar: LyingHub) -> str:
        app = web.Application()
        app.router.add_post("/api/v1/batches", liar.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        hubs.append(runner)
        return f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    yield start
    for runner in hubs:
        await runner.cleanup()


async def test_a_receipt_for_another_batch_does_not_move_the_cursor(tmp_path, lying_hub):
    key = generate_private_key()
    _DEVICE_KEYS["edge-liar"] = key.public_key()
    liar = LyingHub(batch_id="edge-liar:900-999")
    ledger = Ledger(tmp_path / "ledger.db", "edge-liar")
    fill(ledger, 20)
    uplink = uplink_to(await lying_hub(liar), ledger, key, liar.key.public_key())
    with pytest.raises(UplinkError, match="receipt was not accepted.*900-999"):
        await uplink.flush_once(wait_for_full=False)
    assert ledger.cursor(DESTINATION) == 0
    await uplink.transport.close()
    ledger.close()


async def test_a_receipt_beyond_the_ledger_stops_the_uplink_and_names_the_cause(tmp_path, lying_hub):
    key = generate_private_key()
    _DEVICE_KEYS["edge-liar"] = key.public_key()
    liar = LyingHub(extra_acked=500)
    ledger = Ledger(tmp_path / "ledger.db", "edge-liar")
    fill(ledger, 20)
    uplink = uplink_to(await lying_hub(liar), ledger, key, liar.key.public_key())
    with pytest.raises(UplinkError, match="restored from an older copy") as stopped:
        await uplink.flush_once(wait_for_full=False)
    assert stopped.value.retry is False
    assert ledger.cursor(DESTINATION) == 0
    await uplink.transport.close()
    ledger.close()


async def test_a_partial_batch_waits_for_more_events_up_to_its_age(hub, ledger):
    harness, served = hub
    now = {"ms": 1_000}
    uplink = uplink_to(
        served.url,
        ledger,
        harness.device_key,
        harness.hub_public_key,
        clock_ms=lambda: now["ms"],
        max_events=10,
        max_age_ms=300,
    )
    fill(ledger, 3)
    assert await uplink.flush_once() == 0  # not full, not old: wait for more
    now["ms"] += 350
    assert await uplink.flush_once() == 3
    await uplink.transport.close()


async def test_a_full_batch_goes_at_once(hub, ledger):
    harness, served = hub
    uplink = uplink_to(
        served.url, ledger, harness.device_key, harness.hub_public_key, max_events=10, max_age_ms=60_000
    )
    fill(ledger, 25)
    assert await uplink.flush_once() == 10
    assert await uplink.flush_once() == 10
    assert await uplink.flush_once() == 0  # five left, waiting for the rest or for a minute
    await uplink.transport.close()


async def test_a_busy_hub_asks_the_box_back_and_the_box_waits_as_asked(hub, ledger):
    """A storm: the worker already holds as many batches as it takes. The box is answered 503 with a wait
    before its body is read, keeps its events, waits that long (not cut short by new events), then sends
    them; nothing is lost, nothing stored twice, and no refusal is recorded for mere load."""
    harness, served = hub
    gate = harness.client.app.state.ingest_gate
    gate.mean_s = 0.9  # the worker's recent time per batch: nine batches ahead → come back in 9 s
    for _ in range(gate.limit):
        assert gate.enter() is None
    fill(ledger, 120)
    transport = HttpTransport(served.url, timeout_s=10)
    with pytest.raises(UplinkError, match="503") as refused:
        await transport.exchange("b-busy", b'{"pad": "' + b"x" * 2_000_000 + b'"}')  # as big as a batch
    assert refused.value.retry_after_s == 9
    assert harness.rows("SELECT count(*) FROM events") == [(0,)]
    assert harness.rows("SELECT count(*) FROM refusals") == [(0,)]

    slept: list[float] = []
    drained = asyncio.Event()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 1:  # the asked wait: meanwhile the worker's other batches are done
            for _ in range(gate.limit):
                gate.leave(0.05)
        if not ledger.backlog(DESTINATION)[0]:
            drained.set()
        await asyncio.sleep(0)

    uplink = Uplink(
        ledger,
        transport,
        harness.device_key,
        harness.hub_public_key,
        policy=BatchPolicy(max_events=50, max_bytes=1_000_000, max_age_ms=0),
        sleep=sleep,
    )
    running = asyncio.create_task(uplink.run(poll_s=0.01))
    await asyncio.wait_for(drained.wait(), 30)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert 9 <= slept[0] <= 9 * 1.25
    assert uplink.state.last_error is None  # cleared by the receipts that followed
    assert_exactly_once(harness, ledger)
    assert harness.rows("SELECT count(*) FROM refusals") == [(0,)]
