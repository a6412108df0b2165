"""Event kinds, named after EPCIS 2.0 business steps so the hub can export EPCIS JSON-LD unchanged."""

from enum import StrEnum


class EventKind(StrEnum):
    COMMISSIONING = "commissioning"  # the bag is weighed and given its 数字识别码
    ENCODING = "encoding"  # its label was printed (or reprinted: data.reprint)
    STORING = "storing"  # 入库
    STAGING_OUTBOUND = "staging_outbound"  # 出库
    DEPARTING = "departing"  # leaves the site under a manifest
    TRANSPORTING = "transporting"
    RECEIVING = "receiving"  # 接收/复磅 at the receiver
    INSPECTING = "inspecting"
    DESTROYING = "destroying"  # 利用处置
    DECOMMISSIONING = "decommissioning"  # a label or bag voided, with a reason
    CORRECTING = "correcting"  # names the event it corrects in `corrects`


KIND_LABELS: dict[EventKind, tuple[str, str]] = {
    EventKind.COMMISSIONING: ("称重赋码", "Weighed and coded"),
    EventKind.ENCODING: ("打印标签", "Label printed"),
    EventKind.STORING: ("入库", "Stored"),
    EventKind.STAGING_OUTBOUND: ("出库", "Taken out of storage"),
    EventKind.DEPARTING: ("转移出厂", "Departed"),
    EventKind.TRANSPORTING: ("运输", "In transport"),
    EventKind.RECEIVING: ("接收复磅", "Received and re-weighed"),
    EventKind.INSPECTING: ("检查", "Inspected"),
    EventKind.DESTROYING: ("利用处置", "Utilised or disposed"),
    EventKind.DECOMMISSIONING: ("作废", "Voided"),
    EventKind.CORRECTING: ("更正", "Correction"),
}
