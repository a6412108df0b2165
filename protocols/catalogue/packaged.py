"""The catalogue editions shipped inside the package, read through importlib.resources.

This is the one place under protocols/ that reads anything: package data, not the outside world, and
once per process (functools.cache). Everything else takes the text and parses it purely.
"""

from __future__ import annotations

import functools
from importlib import resources

from protocols.catalogue.exemptions import Exemption, parse_exemptions_csv
from protocols.catalogue.model import Catalogue, CatalogueError, parse_catalogue_csv

DATA_PACKAGE = "protocols.catalogue.data"
EDITIONS: dict[str, tuple[str, str]] = {
    "2021": ("hazardous_waste_catalogue_2021.csv", "hazardous_waste_exemptions_2021.csv"),
}
DEFAULT_EDITION = "2021"


def _read(edition: str, which: int) -> str:
    if edition not in EDITIONS:
        raise CatalogueError(f"no packaged catalogue edition {edition!r}; available: {sorted(EDITIONS)}")
    return resources.files(DATA_PACKAGE).joinpath(EDITIONS[edition][which]).read_text(encoding="utf-8")


@functools.cache
def load_catalogue(edition: str = DEFAULT_EDITION) -> Catalogue:
    """The packaged catalogue of `edition` (only '2021' so far)."""
    return parse_catalogue_csv(_read(edition, 0), edition)


@functools.cache
def load_exemptions(edition: str = DEFAULT_EDITION) -> tuple[Exemption, ...]:
    """The packaged exemption list of `edition`."""
    return parse_exemptions_csv(_read(edition, 1), edition)
