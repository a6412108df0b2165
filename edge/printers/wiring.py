"""Open the printer a configuration (or the installer's command line) names, in its profile's language."""

from __future__ import annotations

from pathlib import Path

from edge.config import ConfigError, PrinterConfig
from edge.printers.links import PrinterUriError, parse_printer_uri
from edge.printers.printer import LabelPrinter
from edge.printers.profiles import load_profile
from edge.printers.status import DIALECTS
from protocols.label import PrinterProfile


def open_printer(uri: str, profile: PrinterProfile, *, timeout_s: float | None = None) -> LabelPrinter:
    """A printer at `uri` (or the profile's connection) speaking the profile's language."""
    uri = uri or profile.connection
    if not uri:
        raise ConfigError(f"no printer uri: give [printer] uri (profile {profile.name} names no connection)")
    try:
        spec = parse_printer_uri(uri)
    except PrinterUriError as exc:
        raise ConfigError(str(exc)) from exc
    timeout = timeout_s if timeout_s is not None else profile.timeout_s
    return LabelPrinter(
        spec.opener(timeout),
        DIALECTS[profile.language],
        name=uri,
        timeout_s=timeout,
        transfer_s=spec.transfer_s,
    )


def printer_for(config: PrinterConfig, config_dir: Path | None = None) -> tuple[LabelPrinter, PrinterProfile]:
    """The printer and its profile, as an edge configuration's [printer] section names them."""
    profile = load_profile(config.profile, config_dir=config_dir)
    return open_printer(config.uri, profile, timeout_s=config.timeout_s), profile
