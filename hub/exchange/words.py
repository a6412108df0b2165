"""The exchange pages' words, Chinese first."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "exchange_title": "数据对接状态",
        "exchange_intro": "省级平台数据回流与上报：每个数据集的最近成功时间、游标、数量和错误。",
        "province": "省份",
        "direction": "方向",
        "pull": "回流",
        "push": "上报",
        "dataset": "数据集",
        "state": "状态",
        "last_success": "最近成功",
        "cursor": "游标",
        "records": "记录数",
        "counts": "接收/新增/未变/拒收/冲突/重试",
        "error": "错误",
        "conflicts": "冲突（本系统与省平台并存）",
        "no_exchange": "尚未与省级平台对接。",
    },
    "en": {
        "exchange_title": "Data exchange",
        "exchange_intro": "Data pulled back from the provincial platform and pushed up: per dataset the last "
        "success, cursor, counts and errors.",
        "province": "Province",
        "direction": "Direction",
        "pull": "pull",
        "push": "push",
        "dataset": "Dataset",
        "state": "State",
        "last_success": "Last success",
        "cursor": "Cursor",
        "records": "Records",
        "counts": "fetched/stored/unchanged/rejected/conflicts/retries",
        "error": "Error",
        "conflicts": "Conflicts (the hub's and the province's, both kept)",
        "no_exchange": "No exchange with the provincial platform yet.",
    },
}
