"""Settings from the hub (waste types, thresholds): applied only when changed, rolled back when they fail.

Files under data_dir/remote-config/, each written atomically:

- `current.json`   the hub-signed configuration the agent last came up with (last-known-good)
- `candidate.json` a newer one, not yet proven
- `state.json`     how many starts the candidate has had, and the versions refused (with the reason)
- `previous/`      the last few known-good versions, for a person to look at

A new version is checked (signature, device, settings, catalogue) and, if its settings differ from the
running ones, becomes the candidate; the agent restarts to take it. At start (`boot`) a candidate that has
already had a start without being confirmed is rolled back: the agent failed to come up with it (it
crashed, hung and was killed by the watchdog, or was cut off). `confirm` is called once the agent has run
healthily for a while; only then does the candidate become current.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.config import ConfigError, EdgeConfig, WasteTypeConfig
from edge.storage import read_json, write_json_atomically
from protocols.fleet import RemoteConfig, RemoteConfigError, open_config, settings_digest
from protocols.fleet.operators import Operator
from protocols.ledger import SignatureError

log = logging.getLogger(__name__)

KEEP_PREVIOUS = 5


@dataclass(frozen=True, slots=True)
class Offer:
    """What became of a configuration from the hub."""

    outcome: str  # "ignored" | "unchanged" | "refused" | "candidate"
    version: int | None
    reason: str | None = None


def apply_settings(config: EdgeConfig, settings: dict[str, Any]) -> EdgeConfig:
    """The TOML configuration with the hub's settings laid over it."""
    changes: dict[str, Any] = {}
    if "waste_types" in settings:
        changes["waste_types"] = tuple(WasteTypeConfig(**w) for w in settings["waste_types"])
    if "operators" in settings:
        changes["operators"] = tuple(Operator(**o) for o in settings["operators"])
    t = settings.get("thresholds", {})
    if "min_free_mb" in t:
        changes["min_free_bytes"] = t["min_free_mb"] * 1024 * 1024
    if "heartbeat_s" in t:
        changes["heartbeat_s"] = t["heartbeat_s"]
    if "upload_batch_events" in t:
        changes["upload_batch_events"] = t["upload_batch_events"]
    scale = {
        name: t[key]
        for key, name in (
            ("scale_window", "window"),
            ("scale_tolerance_g", "tolerance_g"),
            ("scale_min_span_ms", "min_span_ms"),
            ("scale_stable_timeout_s", "stable_timeout_s"),
        )
        if key in t
    }
    if scale:
        changes["scale"] = replace(config.scale, **scale)
    return replace(config, **changes)


class RemoteConfigAgent:
    def __init__(
        self,
        directory: Path,
        device_id: str,
        hub_key: Ed25519PublicKey,
        *,
        validate: Callable[[EdgeConfig], None] = lambda _config: None,
        on_candidate: Callable[[], None] = lambda: None,
    ) -> None:
        self.dir = Path(directory)
        self.device_id = device_id
        self.hub_key = hub_key
        self.validate = validate
        self.on_candidate = on_candidate
        self.base: EdgeConfig | None = None

    # -- files ---------------------------------------------------------------------------------------------

    def _read(self, name: str) -> RemoteConfig | None:
        envelope = read_json(self.dir / name)
        if envelope is None:
            return None
        try:
            return open_config(envelope, self.hub_key, device_id=self.device_id)
        except (RemoteConfigError, SignatureError) as exc:
            # Written by us after the same check, so only a changed hub key or a hand edit gets here.
            log.error("remote-config/%s is no longer valid (%s); ignoring it", name, exc)
            return None

    def _state(self) -> dict[str, Any]:
        state = read_json(self.dir / "state.json")
        return state if isinstance(state, dict) else {}

    def _save_state(self, state: dict[str, Any]) -> None:
        write_json_atomically(self.dir / "state.json", state)

    # -- start and confirm ---------------------------------------------------------------------------------

    def boot(self, base: EdgeConfig) -> EdgeConfig:
        """The configuration to start with; rolls back a candidate that already failed to come up."""
        self.base = base
        state = self._state()
        candidate = self._read("candidate.json")
        if candidate is not None and state.get("candidate_boots", 0) >= 1:
            self._reject(candidate.version, "the agent did not come up with it; rolled back", state)
            candidate = None
        if candidate is not None:
            state["candidate_version"] = candidate.version
            state["candidate_boots"] = state.get("candidate_boots", 0) + 1
            self._save_state(state)  # before trying it: a crash from here on counts as a failed start
            log.warning(
                "starting with remote configuration version %d (not yet confirmed)", candidate.version
            )
            return apply_settings(base, candidate.settings)
        current = self._read("current.json")
        return apply_settings(base, current.settings) if current else base

    def confirm(self) -> None:
        """The agent has been healthy with the candidate: it becomes the last-known-good configuration."""
        envelope = read_json(self.dir / "candidate.json")
        if envelope is None:
            return
        current = read_json(self.dir / "current.json")
        if current is not None:
            version = current.get("body", {}).get("version", "unknown")
            write_json_atomically(self.dir / "previous" / f"{version}.json", current)
            self._trim_previous()
        write_json_atomically(self.dir / "current.json", envelope)
        (self.dir / "candidate.json").unlink(missing_ok=True)
        state = self._state()
        state.pop("candidate_version", None)
        state.pop("candidate_boots", None)
        confirmed = envelope.get("body", {}).get("version", 0)
        if state.get("last_rejected", {}).get("version", 0) < confirmed:
            state.pop("last_rejected", None)  # a newer version works: the old refusal is history
        self._save_state(state)
        log.info("remote configuration version %s confirmed", envelope.get("body", {}).get("version"))

    def interrupted(self) -> None:
        """The agent was stopped on purpose before confirming: its next start tries the candidate afresh."""
        state = self._state()
        if state.get("candidate_boots", 0) >= 1 and (self.dir / "candidate.json").exists():
            state["candidate_boots"] = 0
            self._save_state(state)

    def _trim_previous(self) -> None:
        files = sorted((self.dir / "previous").glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
        for old in files[:-KEEP_PREVIOUS]:
            old.unlink(missing_ok=True)

    def _reject(self, version: int, reason: str, state: dict[str, Any]) -> None:
        log.error("remote configuration version %d refused: %s", version, reason)
        (self.dir / "candidate.json").unlink(missing_ok=True)
        state.pop("candidate_version", None)
        state.pop("candidate_boots", None)
        rejected = state.setdefault("rejected", {})
        rejected[str(version)] = reason
        state["last_rejected"] = {"version": version, "reason": reason}
        self._save_state(state)

    # -- offers from the hub -------------------------------------------------------------------------------

    def offer(self, envelope: Any) -> Offer:
        """A configuration from the hub (heartbeat answer or MQTT): check it; make it the candidate if new."""
        try:
            doc = open_config(envelope, self.hub_key, device_id=self.device_id)
        except (RemoteConfigError, SignatureError) as exc:
            log.warning("ignored a configuration from the hub: %s", exc)
            return Offer("ignored", None, str(exc))
        state = self._state()
        current, candidate = self._read("current.json"), self._read("candidate.json")
        known = max((c.version for c in (current, candidate) if c is not None), default=0)
        if doc.version <= known or str(doc.version) in state.get("rejected", {}):
            return Offer("ignored", doc.version, "already known")
        running = candidate or current
        running_digest = running.digest if running else settings_digest({})
        if doc.digest == running_digest:
            # Same settings under a new number: take the number, change nothing, restart nothing.
            write_json_atomically(self.dir / ("candidate.json" if candidate else "current.json"), envelope)
            return Offer("unchanged", doc.version)
        if self.base is not None:
            try:
                self.validate(apply_settings(self.base, doc.settings))
            except (ConfigError, TypeError, ValueError) as exc:
                self._reject(doc.version, f"invalid on this box: {exc}", state)
                return Offer("refused", doc.version, str(exc))
        write_json_atomically(self.dir / "candidate.json", envelope)
        state.update(candidate_version=doc.version, candidate_boots=0)
        self._save_state(state)
        log.warning("remote configuration version %d accepted; restarting to apply it", doc.version)
        self.on_candidate()
        return Offer("candidate", doc.version)

    def status(self) -> dict[str, Any]:
        """For the heartbeat: the version running, and the last one refused with why."""
        state = self._state()
        current, candidate = self._read("current.json"), self._read("candidate.json")
        running = candidate if candidate is not None and state.get("candidate_boots", 0) >= 1 else current
        rejected = state.get("last_rejected") or {}
        return {
            "config_version": running.version if running else None,
            "config_rejected_version": rejected.get("version"),
            "config_rejected_reason": rejected.get("reason"),
        }
