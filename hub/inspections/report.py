"""The inspection report (现场检查报告): a PDF in one preset format, made when the inspection is submitted,
signed by the hub's key and kept with the inspection.

The PDF is drawn with fpdf2 in Noto Sans SC, the font the project already ships (justmytype-intl-cjk). That
font is variable (wght 100–900) with Thin as its default master; fpdf2 would embed the Thin outlines, or,
asked for a weight, instantiate the whole 17.8 MB font (about half a minute). So the report's own characters
are cut out of the font first (fontTools subset), and that small font is instantiated at 400 and 700
(fontTools.varLib.instancer): about a second for a report, nothing cached, the same on every worker.

The signature is detached: Ed25519 by the hub key (GET /api/v1/hub-key) over the 32 bytes of the PDF's
SHA-256. Anyone holding the PDF and the public key can check it (docs/inspections.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.resources
import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.users import user_view
from hub.attachments.tables import Attachment
from hub.core.errors import NotFound
from hub.inspections.checks import of_inspection
from hub.inspections.tables import Inspection, InspectionFinding, InspectionReport
from hub.registry.enterprises import enterprise_by_id
from hub.web.formatting import format_kg, format_time
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH
from protocols.ledger.signing import (
    ALGORITHM,
    SignatureError,
    load_public_key,
    public_key_b64,
    sign,
    verify,
)

VERDICTS = {
    "ok": "符合 OK",
    "finding": "发现问题 Finding",
    "problem": "发现问题 Problem",  # a field check's word for it (hub/field_checks)
    "not_applicable": "不适用 N/A",
    None: "未检查 —",
}
LABEL_STATES = {"intact": "完好", "damaged": "破损", "missing": "缺失", "mismatched": "不符"}
SOURCES = {"plan": "计划检查", "warning": "预警核查", "ad_hoc": "专项/临时检查"}
THUMBS_PER_ITEM = 4
THUMBS_TOTAL = 60
THUMB_MM = 42


@dataclass
class ItemLine:
    code: str
    group: str
    text_zh: str
    text_en: str
    basis: str
    basis_approx: bool
    verdict: str | None
    note: str | None
    requirement: str | None
    due_ms: int | None
    photos: list[str]
    order_number: str | None = None


@dataclass
class ReportData:
    hub_name: str
    number: str
    enterprise_name: str
    uscc: str
    address: str | None
    region_code: str | None
    source: str
    plan_name: str | None
    warning_id: int | None
    inspectors: list[str]
    planned_ms: int | None
    started_ms: int | None
    submitted_ms: int
    submitted_by: str
    checklist: str
    summary: str | None
    items: list[ItemLine]
    checks: list[dict[str, Any]] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)  # SHA-256 → a JPEG thumbnail


def _thumbnail(content: bytes) -> bytes | None:
    """A small JPEG of a picture, or None for what is not one (a PDF attached as evidence)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.thumbnail((480, 360))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=70)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        return None


def _display_name(session: Session, username: str) -> str:
    try:
        name = user_view(session, username, with_history=False)["display_name"]
    except NotFound:
        return username
    return f"{name}（{username}）" if name and name != username else username


def gather(
    session: Session, ins: Inspection, items: list[ItemLine], names: list[str], hub_name: str, checklist: str
) -> ReportData:
    ent = enterprise_by_id(session, ins.enterprise_id)
    orders = dict(
        session.execute(
            select(InspectionFinding.code, InspectionFinding.order_number).where(
                InspectionFinding.inspection_id == ins.id
            )
        ).all()
    )
    for item in items:
        item.order_number = orders.get(item.code)
    checks = [
        {
            "subject": c.code,
            "kind": c.subject,
            "grams_found": c.found_grams,
            "recorded_grams": c.held_grams,
            "label_state": c.label_state,
            "verdict": c.verdict,
            "note": c.note,
            "at_ms": c.at_ms,
        }
        for c in of_inspection(session, ins.id)
    ]
    wanted: list[str] = []
    for item in items:
        wanted += item.photos[:THUMBS_PER_ITEM]
    wanted = list(dict.fromkeys(wanted))[:THUMBS_TOTAL]
    photos: dict[str, bytes] = {}
    for row in session.scalars(select(Attachment).where(Attachment.sha256.in_(wanted))):
        thumb = _thumbnail(row.content) if row.media_type.startswith("image/") else None
        if thumb is not None:
            photos[row.sha256] = thumb
    return ReportData(
        hub_name=hub_name,
        number=ins.number,
        enterprise_name=ent.name,
        uscc=ent.uscc,
        address=ent.address,
        region_code=ins.region_code,
        source=ins.source,
        plan_name=ins.plan_name,
        warning_id=ins.warning_id,
        inspectors=[_display_name(session, n) for n in names],
        planned_ms=ins.planned_ms,
        started_ms=ins.started_ms,
        submitted_ms=ins.submitted_ms or 0,
        submitted_by=_display_name(session, ins.submitted_by or ""),
        checklist=checklist,
        summary=ins.summary,
        items=items,
        checks=checks,
        photos=photos,
    )


# ---- the font


@functools.cache
def _font_bytes() -> bytes:
    return importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH).read_bytes()


def _static_fonts(text: str, folder: Path) -> tuple[Path, Path]:
    """Noto Sans SC cut to `text`'s characters, as static regular (400) and bold (700) TrueType files."""
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.layout_features = []  # fpdf2 lays text out itself; no shaping tables needed
    font = TTFont(io.BytesIO(_font_bytes()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    cut = io.BytesIO()
    font.save(cut)
    paths = []
    for weight in (400, 700):
        static = instancer.instantiateVariableFont(
            TTFont(io.BytesIO(cut.getvalue())), {"wght": weight}, updateFontNames=True
        )
        path = folder / f"sc-{weight}.ttf"
        static.save(str(path))
        paths.append(path)
    return paths[0], paths[1]


# ---- the PDF


class _Report(FPDF):
    def __init__(self, data: ReportData) -> None:
        super().__init__(format="A4")
        self.data = data

    def header(self) -> None:
        self.set_font("sc", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.data.hub_name, new_x="LMARGIN", new_y="TOP")
        self.cell(0, 5, f"现场检查报告 {self.data.number}", align="R", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("sc", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.data.number}  第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0, 0, 0)


def _text_of(data: ReportData) -> str:
    """Every character the report may draw: its data, and every literal of this module (labels, headings)."""
    own = Path(__file__).read_text(encoding="utf-8")
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    return printable + own + json.dumps(data.__dict__, ensure_ascii=False, default=str)


def render(data: ReportData) -> bytes:
    """The report's PDF bytes (the same data give the same bytes)."""
    with tempfile.TemporaryDirectory(prefix="wt-report-") as tmp:
        regular, bold = _static_fonts(_text_of(data), Path(tmp))
        pdf = _Report(data)
        pdf.set_creation_date(dt.datetime.fromtimestamp(data.submitted_ms // 1000, tz=dt.UTC))
        pdf.set_title(f"现场检查报告 {data.number}")
        pdf.set_subject(f"{data.number} {data.enterprise_name} {data.uscc}")
        pdf.set_author(data.hub_name)
        pdf.set_creator("wastetrace hub")
        pdf.add_font("sc", "", str(regular))
        pdf.add_font("sc", "B", str(bold))
        pdf.set_auto_page_break(True, margin=16)
        pdf.set_margins(15, 12, 15)
        pdf.add_page()
        _front(pdf, data)
        _items(pdf, data)
        _findings(pdf, data)
        _checks(pdf, data)
        _closing(pdf, data)
        return bytes(pdf.output())


def _kv(pdf: FPDF, key: str, value: str) -> None:
    pdf.set_font("sc", "B", 10)
    pdf.cell(38, 6.5, key, border=1, new_x="RIGHT", new_y="TOP")
    pdf.set_font("sc", "", 10)
    pdf.multi_cell(0, 6.5, value or "—", border=1, new_x="LMARGIN", new_y="NEXT", align="L")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("sc", "B", 12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")


def _front(pdf: FPDF, d: ReportData) -> None:
    pdf.set_font("sc", "B", 16)
    pdf.cell(0, 10, "危险废物现场检查报告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sc", "", 9)
    pdf.cell(0, 5, "Field inspection report", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    source = SOURCES.get(d.source, d.source)
    if d.plan_name:
        source += f"：{d.plan_name}"
    if d.warning_id is not None:
        source += f"（预警 #{d.warning_id}）"
    for key, value in (
        ("检查编号", d.number),
        ("被检查单位", d.enterprise_name),
        ("统一社会信用代码", d.uscc),
        ("地址", d.address or "—"),
        ("行政区划", d.region_code or "—"),
        ("检查来源", source),
        ("检查人员", "、".join(d.inspectors)),
        ("计划时间", format_time(d.planned_ms)),
        ("开始时间", format_time(d.started_ms)),
        ("提交时间", f"{format_time(d.submitted_ms)}（北京时间）  提交人：{d.submitted_by}"),
        ("检查表", d.checklist),
    ):
        _kv(pdf, key, value)


def _items(pdf: FPDF, d: ReportData) -> None:
    group = None
    _heading(pdf, "检查项目")
    for item in d.items:
        if pdf.get_y() > pdf.h - 40:  # an item's heading never alone at the foot of a page
            pdf.add_page()
        if item.group != group:
            group = item.group
            pdf.set_font("sc", "B", 11)
            pdf.set_fill_color(235, 235, 235)
            pdf.cell(0, 7, group, fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sc", "B", 10)
        pdf.multi_cell(0, 5.5, f"{item.code}  {item.text_zh}", new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font("sc", "", 8)
        pdf.set_text_color(90, 90, 90)
        basis = item.basis + ("（条款号待核）" if item.basis_approx and "待核" not in item.basis else "")
        pdf.multi_cell(0, 4.5, f"依据：{basis}", new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("sc", "", 10)
        if item.verdict == "finding":
            pdf.set_text_color(170, 0, 0)
        pdf.multi_cell(
            0,
            5.5,
            f"结论：{VERDICTS.get(item.verdict, item.verdict)}",
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
        pdf.set_text_color(0, 0, 0)
        if item.note:
            pdf.multi_cell(0, 5.5, f"情况说明：{item.note}", new_x="LMARGIN", new_y="NEXT", align="L")
        if item.requirement:
            due = format_time(item.due_ms)
            pdf.multi_cell(
                0,
                5.5,
                f"整改要求：{item.requirement}（整改期限 {due}）",
                new_x="LMARGIN",
                new_y="NEXT",
                align="L",
            )
        _thumbs(pdf, d, item.photos)
        pdf.ln(1.5)


def _thumbs(pdf: FPDF, d: ReportData, photos: list[str]) -> None:
    shown = [d.photos[sha] for sha in photos[:THUMBS_PER_ITEM] if sha in d.photos]
    if not shown:
        return
    height = THUMB_MM * 0.75
    if pdf.get_y() + height > pdf.h - 18:
        pdf.add_page()
    top = pdf.get_y() + 1
    for i, jpeg in enumerate(shown):
        pdf.image(
            io.BytesIO(jpeg),
            x=pdf.l_margin + i * (THUMB_MM + 3),
            y=top,
            w=THUMB_MM,
            h=height,
            keep_aspect_ratio=True,
        )
    pdf.set_y(top + height + 1)


def _findings(pdf: FPDF, d: ReportData) -> None:
    _heading(pdf, "发现的问题")
    found = [i for i in d.items if i.verdict == "finding"]
    pdf.set_font("sc", "", 10)
    if not found:
        pdf.cell(0, 6, "无", new_x="LMARGIN", new_y="NEXT")
        return
    for n, item in enumerate(found, 1):
        line = f"{n}. {item.code} {item.text_zh}：{item.note or ''}"
        if item.requirement:
            line += f"；整改要求：{item.requirement}；整改期限：{format_time(item.due_ms)}"
        if item.order_number:
            line += f"；督办单 {item.order_number}"
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT", align="L")


def _checks(pdf: FPDF, d: ReportData) -> None:
    if not d.checks:
        return
    _heading(pdf, "扫码核查")
    pdf.set_font("sc", "", 9)
    for c in d.checks:
        diff = ""
        if c["grams_found"] is not None and c["recorded_grams"] is not None:
            diff = f"，差 {format_kg(c['grams_found'] - c['recorded_grams'])}"
        label = LABEL_STATES.get(c["label_state"], "—") if c["label_state"] else "—"
        line = (
            f"{c['subject']}：称得 {format_kg(c['grams_found'])}，"
            f"平台记录 {format_kg(c['recorded_grams'])}{diff}；"
            f"标签 {label}；结论 {VERDICTS.get(c['verdict'], c['verdict'])}"
            + (f"；{c['note']}" if c["note"] else "")
            + f"（{format_time(c['at_ms'])}）"
        )
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT", align="L")


def _closing(pdf: FPDF, d: ReportData) -> None:
    _heading(pdf, "检查小结")
    pdf.set_font("sc", "", 10)
    pdf.multi_cell(0, 5.5, d.summary or "—", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)
    pdf.set_font("sc", "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        0,
        4.5,
        f"本报告由 {d.hub_name} 以其 Ed25519 密钥签名（对 PDF 的 SHA-256 签名）；"
        f"核验：GET /api/v1/inspections/{d.number}/report 与 GET /api/v1/hub-key。",
        new_x="LMARGIN",
        new_y="NEXT",
        align="L",
    )


# ---- signing


def issue(
    session: Session, ins: Inspection, data: ReportData, key: Ed25519PrivateKey, *, by: str, now_ms: int
) -> InspectionReport:
    """Render, sign and keep the report of a submitted inspection."""
    pdf = render(data)
    digest = hashlib.sha256(pdf).digest()
    row = InspectionReport(
        inspection_id=ins.id,
        pdf=pdf,
        sha256=digest.hex(),
        alg=ALGORITHM,
        signature=sign(key, digest),
        public_key=public_key_b64(key),
        issued_ms=now_ms,
        issued_by=by,
    )
    session.add(row)
    session.flush()
    return row


def signature_valid(row: InspectionReport) -> bool:
    """The stored PDF still hashes to its SHA-256, and the signature verifies with the key that made it."""
    digest = hashlib.sha256(row.pdf).digest()
    if digest.hex() != row.sha256:
        return False
    try:
        verify(load_public_key(row.public_key), digest, row.signature)
    except SignatureError:
        return False
    return True
