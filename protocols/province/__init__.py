"""The provincial solid-waste platform's data interface (数据对接, 回流): the request and answer envelope, the
per-province profile (dataset → resource code, the jsonParam template) and the paging check of a pull.

Sans-I/O: values and bytes in, values and bytes out; the hub's exchange and the simulator do the I/O."""

from protocols.province.envelope import (
    ListAnswer,
    ListRequest,
    ProvinceProtocolError,
    decode_answer,
    decode_request,
    encode_answer,
    encode_request,
)
from protocols.province.paging import PageVerdict, Window, check_page
from protocols.province.profile import (
    DATASETS,
    PUSH_DATASETS,
    DatasetProfile,
    Profile,
    ProfileError,
    format_time,
    grams_from_tonnes,
    parse_profile,
    parse_time,
    tonnes_from_grams,
)

__all__ = [
    "DATASETS",
    "DatasetProfile",
    "PUSH_DATASETS",
    "ListAnswer",
    "ListRequest",
    "PageVerdict",
    "Profile",
    "ProfileError",
    "ProvinceProtocolError",
    "Window",
    "check_page",
    "decode_answer",
    "decode_request",
    "encode_answer",
    "encode_request",
    "format_time",
    "grams_from_tonnes",
    "parse_profile",
    "parse_time",
    "tonnes_from_grams",
]
