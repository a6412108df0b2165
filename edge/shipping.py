"""The manifests this box may load onto a truck (装车), as the hub last signed them.

The hub sends the list with every heartbeat answer (over HTTP) or on the config topic (over MQTT). The box
keeps the newest list it could verify in `shipping.json` beside its ledger, so a truck can be loaded at a
bay with no signal; a list that is older than the kept one, for another box, or not signed by the hub is
ignored (and logged).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocols.fleet.shipping import SHIPPING_TYPE, Shipping, ShippingError, open_shipping
from protocols.ledger import SignatureError

log = logging.getLogger(__name__)


class ShippingBook:
    def __init__(self, path: Path, device_id: str, hub_key: Ed25519PublicKey) -> None:
        self.path = path
        self.device_id = device_id
        self.hub_key = hub_key
        self._lock = threading.Lock()
        self._current: Shipping | None = None
        self._load()

    @property
    def current(self) -> Shipping | None:
        return self._current

    def offer(self, envelope: Any) -> bool:
        """Keep `envelope` if it is a newer list for this box signed by the hub; True when kept."""
        try:
            shipping = open_shipping(envelope, self.hub_key, self.device_id)
        except (ShippingError, SignatureError) as exc:
            log.warning("ignored a shipping list: %s", exc)
            return False
        with self._lock:
            if self._current is not None and shipping.issued_ms < self._current.issued_ms:
                return False
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(envelope, ensure_ascii=False), encoding="utf-8")
            with tmp.open("rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, self.path)  # a power cut leaves the old list or the new one, never half
            self._current = shipping
        return True

    def _load(self) -> None:
        try:
            envelope = json.loads(self.path.read_text(encoding="utf-8"))
            self._current = open_shipping(envelope, self.hub_key, self.device_id)
        except FileNotFoundError:
            return
        except (ValueError, ShippingError, SignatureError) as exc:
            log.warning(
                "%s is not a usable shipping list (%s): waiting for the hub's next one", self.path, exc
            )


def route_from_hub(envelope: Any, on_config: Any, book: ShippingBook | None) -> None:
    """One topic carries the hub's signed configurations and shipping lists: hand each to its keeper."""
    body = envelope.get("body") if isinstance(envelope, dict) else None
    if isinstance(body, dict) and body.get("type") == SHIPPING_TYPE:
        if book is not None:
            book.offer(envelope)
    elif on_config is not None:
        on_config(envelope)
