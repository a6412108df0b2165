"""GB/T 28181 as the edge speaks it, sans-I/O: SIP messages, Digest, MANSCDP XML and the registrar.

The edge is the small platform a warehouse camera registers to; the camera simulator uses the same
encoders from the device's side. Reference: device-protocols.md §4.
"""

from protocols.gb28181.digest import DigestChallenge, DigestCredentials, DigestError, digest_response
from protocols.gb28181.ids import (
    GbIdError,
    check_id,
    device_type,
    domain_of,
    gb_date,
    parse_snapshot_file_id,
    snapshot_file_id,
)
from protocols.gb28181.manscdp import (
    CatalogItem,
    CatalogQuery,
    CatalogResponse,
    ControlResponse,
    DeviceInfoQuery,
    DeviceInfoResponse,
    Keepalive,
    Manscdp,
    ManscdpError,
    SnapShotConfig,
    UnknownCommand,
    UploadSnapShotFinished,
    parse_manscdp,
)
from protocols.gb28181.registrar import AuthFailed, Registered, Registrar, Unregistered
from protocols.gb28181.sip import (
    NameAddr,
    SipMessage,
    SipParseError,
    SipRequest,
    SipResponse,
    build_request,
    parse_message,
    parse_name_addr,
    parse_via,
    response_to,
    uri_hostport,
    uri_user,
)

__all__ = [
    "AuthFailed",
    "CatalogItem",
    "CatalogQuery",
    "CatalogResponse",
    "ControlResponse",
    "DeviceInfoQuery",
    "DeviceInfoResponse",
    "DigestChallenge",
    "DigestCredentials",
    "DigestError",
    "GbIdError",
    "Keepalive",
    "Manscdp",
    "ManscdpError",
    "NameAddr",
    "Registered",
    "Registrar",
    "SipMessage",
    "SipParseError",
    "SipRequest",
    "SipResponse",
    "SnapShotConfig",
    "UnknownCommand",
    "Unregistered",
    "UploadSnapShotFinished",
    "build_request",
    "check_id",
    "device_type",
    "digest_response",
    "domain_of",
    "gb_date",
    "parse_manscdp",
    "parse_message",
    "parse_name_addr",
    "parse_snapshot_file_id",
    "parse_via",
    "response_to",
    "snapshot_file_id",
    "uri_hostport",
    "uri_user",
]
