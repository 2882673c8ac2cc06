"""The bulletin as a PDF (reportlab's platypus), drawn from the stored document (pure: no Django).

Every word comes from the document (translated when it was built): the sections, each figure's
sentence, chart (charts.py, PNG), table (the rows the page shows, printed with core.display),
caption and the address of its CSV.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from observatory.bulletins import core
from observatory.bulletins.core import charts

MARGIN = 16 * mm


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], alignment=TA_LEFT, fontSize=20, leading=24),
        "subtitle": ParagraphStyle(
            "st", parent=base["Normal"], fontSize=10, textColor=colors.HexColor("#444444")
        ),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontSize=15, spaceBefore=10, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=11.5, spaceBefore=8, spaceAfter=2),
        "body": ParagraphStyle("b", parent=base["Normal"], fontSize=9.5, leading=12.5),
        "sentence": ParagraphStyle("s", parent=base["Normal"], fontSize=10, leading=13, spaceAfter=3),
        "caption": ParagraphStyle(
            "c", parent=base["Normal"], fontSize=8, leading=10, textColor=colors.HexColor("#444444")
        ),
        "cell": ParagraphStyle("td", parent=base["Normal"], fontSize=8, leading=9.5),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(
    fig: dict[str, Any], st: dict[str, ParagraphStyle], width: float, cell: Callable[[Any], str]
) -> Table:
    header = [_p(label, st["cell"]) for label in core.shown_labels(fig)]
    body = [[_p(v, st["cell"]) for v in row] for row in core.shown_rows(fig, cell)]
    t = Table([header, *body], colWidths=[width / len(header)] * len(header), repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1e6df")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#7f2704")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#dddddd")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _chart(fig: dict[str, Any], width: float) -> Image:
    png = charts.render(fig, "png")
    img = Image(io.BytesIO(png))
    scale = min(1.0, width / img.imageWidth)
    ratio = img.imageHeight / img.imageWidth
    w = min(width, img.imageWidth * scale)
    img.drawWidth, img.drawHeight = w, w * ratio
    if img.drawHeight > 120 * mm:
        img.drawHeight, img.drawWidth = 120 * mm, 120 * mm / ratio
    return img


def render(document: dict[str, Any], cell: Callable[[Any], str] = core.display) -> bytes:
    """The PDF bytes of a bulletin document; ``cell`` prints each value of the tables."""
    st = _styles()
    labels = document["labels"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=document["title"],
        author=document["author"],
        subject=document["edition_label"],
        lang=document["language"],
    )
    width = A4[0] - 2 * MARGIN
    story: list[Any] = [
        _p(document["title"], st["title"]),
        _p(document["subtitle"], st["subtitle"]),
        Spacer(1, 4 * mm),
    ]
    for line in document["summary"]:
        story.append(_p(f"• {line}", st["body"]))
    for sec in document["sections"]:
        story.append(_p(sec["title"], st["h1"]))
        if sec["intro"]:
            story.append(_p(sec["intro"], st["body"]))
        for fig in sec["figures"]:
            block: list[Any] = [_p(fig["title"], st["h2"]), _p(fig["sentence"], st["sentence"])]
            if charts.has_chart(fig):
                block.append(_chart(fig, width))
            story.append(KeepTogether(block))
            if fig["rows"]:
                story.append(_table(fig, st, width, cell))
                if len(fig["rows"]) > core.ROWS_SHOWN:
                    story.append(
                        _p(
                            labels["more_rows"].format(shown=core.ROWS_SHOWN, total=cell(len(fig["rows"]))),
                            st["caption"],
                        )
                    )
            story.append(Spacer(1, 1.5 * mm))
            story.append(_p(fig["caption"], st["caption"]))
            story.append(_p(f"{labels['csv']}: {document['url']}{fig['key']}.csv", st["caption"]))
        if sec["note"]:
            story.append(Spacer(1, 2 * mm))
            story.append(_p(sec["note"], st["body"]))
    story.append(Spacer(1, 6 * mm))
    story.append(_p(document["footer"], st["caption"]))

    def page_number(canvas: Canvas, doc_: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, f"{document['title']} · {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()
