"""The 国家危险废物名录 (National Catalogue of Hazardous Wastes): waste types, categories, hazards, and the
exemption list.

Edition: the data shipped is the **2021** edition (部令第15号, in force 2021-01-01), extracted from the
official PDF (467 codes, 46 categories, 32 exempted kinds). The 2021 edition was REPLACED on 2025-01-01 by
the 2025 edition (五部门令第36号). The changed rows were not verified: diff this data against the official
2025 PDF before production use, and add it as a new edition rather than editing the 2021 file, because
records written under 2021 keep referring to 2021 codes. Every `Catalogue` carries its `edition`.
"""

from protocols.catalogue.exemptions import Exemption, exemptions_for, parse_exemptions_csv
from protocols.catalogue.model import (
    HAZARD_NAMES,
    Catalogue,
    CatalogueError,
    UnknownWasteCode,
    WasteType,
    parse_catalogue_csv,
    parse_hazards,
)
from protocols.catalogue.packaged import DEFAULT_EDITION, EDITIONS, load_catalogue, load_exemptions

__all__ = [
    "DEFAULT_EDITION",
    "EDITIONS",
    "HAZARD_NAMES",
    "Catalogue",
    "CatalogueError",
    "Exemption",
    "UnknownWasteCode",
    "WasteType",
    "exemptions_for",
    "load_catalogue",
    "load_exemptions",
    "parse_catalogue_csv",
    "parse_exemptions_csv",
    "parse_hazards",
]
