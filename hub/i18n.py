"""The words on the hub's pages: Simplified Chinese first, English for visitors (?lang=en)."""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "switch": "English",
        "trace_title": "危险废物追溯",
        "code": "数字识别码",
        "waste_code": "废物代码",
        "waste_name": "废物名称",
        "producer": "产生单位",
        "uscc": "统一社会信用代码",
        "unknown": "未知",
        "events": "流转记录",
        "time": "时间",
        "kind": "环节",
        "weight": "重量",
        "operator": "操作员",
        "place": "地点",
        "device": "设备",
        "clock": "时钟是否同步",
        "synced": "已同步",
        "not_synced": "未同步（时间以设备记录为准，仅供参考）",
        "received": "平台接收时间",
        "evidence": "证据",
        "corrects": "更正",
        "time_note": "时间均为北京时间（UTC+8）。",
        "api": "数据接口（JSON）",
        "not_found_title": "未找到该编码",
        "not_found_body": (
            "平台上没有数字识别码为 {code} 的危险废物记录。"
            "请核对标签上的编码，或稍后再试（现场设备联网后才会上传记录）。"
        ),
        "home": "返回首页",
        "search_label": "输入数字识别码查询",
        "search": "查询",
        "api_docs": "接口文档",
        "index_intro": (
            "扫描危险废物标签上的二维码，或输入数字识别码，查看每一袋废物从产生到处置的全过程记录。"
        ),
    },
    "en": {
        "html_lang": "en",
        "switch": "中文",
        "trace_title": "Hazardous waste trace",
        "code": "Identification code",
        "waste_code": "Waste code",
        "waste_name": "Waste type",
        "producer": "Producer",
        "uscc": "USCC",
        "unknown": "unknown",
        "events": "History",
        "time": "Time",
        "kind": "Step",
        "weight": "Weight",
        "operator": "Operator",
        "place": "Place",
        "device": "Device",
        "clock": "Clock synchronised",
        "synced": "yes",
        "not_synced": "no (device time, for reference only)",
        "received": "Received by the hub",
        "evidence": "Evidence",
        "corrects": "Corrects",
        "time_note": "Times are Beijing time (UTC+8).",
        "api": "Data (JSON)",
        "not_found_title": "Code not found",
        "not_found_body": (
            "The hub holds no record of hazardous waste with code {code}. Check the code on the label, "
            "or try later (records arrive once the site's device is online)."
        ),
        "home": "Home",
        "search_label": "Enter an identification code",
        "search": "Search",
        "api_docs": "API documentation",
        "index_intro": (
            "Scan the QR code on a hazardous-waste label, or type its code, "
            "to see the bag's history from production to disposal."
        ),
    },
}


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else "zh"
