"""Where a CJK font for labels is usually found: data shared by the edge and the simulators, which read it.

Noto Sans SC from the `justmytype-intl-cjk` wheel comes first after the override, so every box renders the
same label whatever the OS ships.
"""

from __future__ import annotations

FONT_ENV = "WASTETRACE_FONT"
FONT_PACKAGE = "justmytype_intl_cjk"
FONT_PACKAGE_PATH = "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
SYSTEM_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-zenhei/wqy-zenhei.ttc",
)
INSTALL_HINT = (
    "no CJK font found for labels: pip install justmytype-intl-cjk, or apt install fonts-noto-cjk "
    f"(or fonts-wqy-microhei), or set {FONT_ENV} to a .ttf/.otf/.ttc file"
)
