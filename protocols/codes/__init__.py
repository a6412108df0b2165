"""Identifiers: 统一社会信用代码, GB/T 2260 region codes, the HJ 1276 数字识别码, HJ 1259 batch codes and
transfer-manifest numbers. Pure functions over strings and dates."""

from protocols.codes.batch import BATCH_PREFIXES, BatchCode, BatchCodeError, batch_code, parse_batch_code
from protocols.codes.errors import CodeError
from protocols.codes.hj1276 import (
    DEFAULT_LAYOUT,
    HJ608_LAYOUT,
    CodeLayout,
    IdentificationCode,
    LayoutError,
    build_code,
    china_date_from_ms,
    format_waste_code,
    parse_code,
    waste_code_digits,
)
from protocols.codes.manifest import (
    ManifestNumber,
    ManifestNumberError,
    manifest_number,
    parse_manifest_number,
)
from protocols.codes.region import (
    PROVINCES,
    RegionCodeError,
    region_contains,
    region_level,
    validate_region_code,
)
from protocols.codes.uscc import (
    UsccError,
    UsccResult,
    require_well_formed_uscc,
    uscc_check_char,
    validate_uscc,
)

__all__ = [
    "BATCH_PREFIXES",
    "DEFAULT_LAYOUT",
    "HJ608_LAYOUT",
    "PROVINCES",
    "BatchCode",
    "BatchCodeError",
    "CodeError",
    "CodeLayout",
    "IdentificationCode",
    "LayoutError",
    "ManifestNumber",
    "ManifestNumberError",
    "RegionCodeError",
    "UsccError",
    "UsccResult",
    "batch_code",
    "build_code",
    "china_date_from_ms",
    "format_waste_code",
    "manifest_number",
    "parse_batch_code",
    "parse_code",
    "parse_manifest_number",
    "region_contains",
    "region_level",
    "require_well_formed_uscc",
    "uscc_check_char",
    "validate_region_code",
    "validate_uscc",
    "waste_code_digits",
]
