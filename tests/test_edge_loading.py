"""装车 at the shipper's box: the hub signs the manifests the box may load into its heartbeat answer; the
keeper scans taken-out bags onto the truck; a bag the manifest does not list is refused; the hub shows
each bag scanned on the truck."""

from __future__ import annotations

import copy
from dataclasses import replace

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.config import WarehouseConfig
from edge.shipping import ShippingBook
from edge.uplink import DESTINATION
from protocols.fleet.shipping import ShippingError, ShippingManifest, open_shipping, seal_shipping
from protocols.ledger import SignatureError, generate_private_key, load_public_key, public_key_b64
from tests.edge_support import HubServer, enrolled_config, hub_call, shipper_login
from tests.waiting import wait_for

CODE = "91130200699229617X9002490820261123001"


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, hub, scale, printer):
    config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
    return replace(config, warehouse=WarehouseConfig(facility="K01"))


async def edge_call(config, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


async def weigh(config, scale, grams: int, *, store: bool = True, out: bool = True) -> str:
    scale.set_target(grams)
    status, weighed = await edge_call(config, "POST", "/api/v1/weighings", {"waste_code": "900-249-08"})
    assert status == 201, weighed
    code = weighed["code"]
    if store:
        assert (await edge_call(config, "POST", "/api/v1/movements/store", {"code": code}))[0] == 201
    if out:
        assert (await edge_call(config, "POST", "/api/v1/movements/out", {"code": code}))[0] == 201
    scale.set_target(0)
    return code


async def test_bags_are_scanned_onto_the_truck_of_a_manifest_the_hub_signed(config, scale, hub):
    keeper = await shipper_login(hub)
    async with running(build_edge(config)) as edge:
        listed_a, listed_b = await weigh(config, scale, 10_000), await weigh(config, scale, 11_000)
        stored_only = await weigh(config, scale, 12_000, out=False)
        stranger = await weigh(config, scale, 13_000)
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
        manifest = await hub_call(hub, "POST", "/api/v1/manifests", keeper, {"waste_description": "废矿物油"})
        number = manifest["number"]
        codes = {"codes": [listed_a, listed_b, stored_only]}
        await hub_call(hub, "POST", f"/api/v1/manifests/{number}/bags", keeper, codes)

        status, _ = await edge_call(
            config, "POST", "/api/v1/movements/load", {"manifest": number, "code": listed_a}
        )
        assert status == 404  # the box has not heard of the manifest yet
        await edge.upkeep.heartbeat.beat_once()  # the hub's answer carries the signed list
        status, shipping = await edge_call(config, "GET", "/api/v1/shipping")
        assert [(m["number"], m["total"]) for m in shipping["manifests"]] == [(number, 3)]

        status, loaded = await edge_call(
            config, "POST", "/api/v1/movements/load", {"manifest": number, "code": f"{hub.url}/t/{listed_a}"}
        )
        assert status == 201 and loaded["kind"] == "departing" and "已装车" in loaded["message_zh"]
        refusals = {
            listed_a: (409, "已装车"),
            stranger: (409, "不在联单"),
            stored_only: (409, "尚未出库"),
        }
        for code, (want, words) in refusals.items():
            status, answer = await edge_call(
                config, "POST", "/api/v1/movements/load", {"manifest": number, "code": code}
            )
            assert status == want and words in answer["message_zh"], answer
        status, progress = await edge_call(config, "GET", f"/api/v1/shipping/{number}")
        assert (progress["loaded"], progress["total"]) == (1, 3)
        assert [b["code"] for b in progress["bags"] if not b["loaded"]] == sorted([listed_b, stored_only])
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)

    seen = await hub_call(hub, "GET", f"/api/v1/manifests/{number}", keeper)
    on_truck = {b["code"]: b["loaded_at_site_ms"] for b in seen["bags"]}
    assert on_truck[listed_a] == loaded["time_ms"] and on_truck[listed_b] is None


async def test_the_list_survives_a_restart_so_a_truck_loads_with_no_signal(config, scale, hub):
    keeper = await shipper_login(hub)
    async with running(build_edge(config)) as edge:
        code = await weigh(config, scale, 10_000)
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
        number = (await hub_call(hub, "POST", "/api/v1/manifests", keeper, {}))["number"]
        await hub_call(hub, "POST", f"/api/v1/manifests/{number}/bags", keeper, {"codes": [code]})
        await edge.upkeep.heartbeat.beat_once()
    hub.stop()  # the loading bay has no signal
    async with running(build_edge(config)):
        status, loaded = await edge_call(
            config, "POST", "/api/v1/movements/load", {"manifest": number, "code": code}
        )
        assert status == 201, loaded


def test_only_the_hubs_signature_for_this_box_is_kept(tmp_path):
    hub_key, forger = generate_private_key(), generate_private_key()
    public = load_public_key(public_key_b64(hub_key))
    book = ShippingBook(tmp_path / "shipping.json", "edge-t1", public)
    good = seal_shipping(
        hub_key, "edge-t1", 2_000, [ShippingManifest("M1", "submitted", None, None, None, (CODE,))]
    )
    assert book.offer(good) and book.current.manifest("M1").bags == (CODE,)
    forged = seal_shipping(
        forger, "edge-t1", 3_000, [ShippingManifest("M2", "submitted", None, None, None, ())]
    )
    tampered = copy.deepcopy(good)
    tampered["body"]["manifests"][0]["bags"] = []
    older = seal_shipping(hub_key, "edge-t1", 1_000, [])
    other_box = seal_shipping(hub_key, "edge-t2", 4_000, [])
    assert not any(book.offer(e) for e in (forged, tampered, older, other_box))
    assert ShippingBook(tmp_path / "shipping.json", "edge-t1", public).current.manifest("M1") is not None
    with pytest.raises(SignatureError):
        open_shipping(forged, public, "edge-t1")
    bad_code = seal_shipping(
        hub_key, "edge-t1", 5_000, [ShippingManifest("M3", "draft", None, None, None, ("nope",))]
    )
    with pytest.raises(ShippingError, match="bags"):
        open_shipping(bad_code, public, "edge-t1")
