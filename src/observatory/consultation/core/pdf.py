"""The printable sheet of one-time codes: A4 pages of cut-out slips (reportlab)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

COLUMNS, ROWS = 2, 5
MARGIN = 10 * mm


def _fit(text: str, font: str, size: float, width: float, c: canvas.Canvas) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def code_sheet(
    codes: list[str],
    *,
    title: str,
    question: str,
    quartier: str,
    url: str,
    valid_until: str,
    lines: dict[str, str],
) -> bytes:
    """A4 pages with ten slips each; dashed lines to cut along. ``lines`` holds translated labels."""
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Observatory")
    page_w, page_h = A4
    slip_w = (page_w - 2 * MARGIN) / COLUMNS
    slip_h = (page_h - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for start in range(0, len(codes), per_page):
        c.setDash(3, 3)
        c.setLineWidth(0.4)
        for i in range(COLUMNS + 1):
            c.line(MARGIN + i * slip_w, MARGIN, MARGIN + i * slip_w, page_h - MARGIN)
        for j in range(ROWS + 1):
            c.line(MARGIN, MARGIN + j * slip_h, page_w - MARGIN, MARGIN + j * slip_h)
        c.setDash()
        for k, code in enumerate(codes[start : start + per_page]):
            col, row = k % COLUMNS, k // COLUMNS
            x = MARGIN + col * slip_w + 6 * mm
            top = page_h - MARGIN - row * slip_h - 9 * mm
            width = slip_w - 12 * mm
            c.setFont("Helvetica-Bold", 10)
            c.drawString(x, top, _fit(question, "Helvetica-Bold", 10, width, c))
            c.setFont("Helvetica", 8.5)
            c.drawString(
                x, top - 5 * mm, _fit(f"{lines['quartier']}: {quartier}", "Helvetica", 8.5, width, c)
            )
            c.setFont("Courier-Bold", 17)
            c.drawString(x, top - 16 * mm, code)
            c.setFont("Helvetica", 8.5)
            c.drawString(x, top - 24 * mm, _fit(lines["where"], "Helvetica", 8.5, width, c))
            c.setFont("Courier", 8.5)
            c.drawString(x, top - 28.5 * mm, _fit(url, "Courier", 8.5, width, c))
            c.setFont("Helvetica", 7.5)
            c.drawString(x, top - 34 * mm, _fit(f"{lines['once']} {valid_until}", "Helvetica", 7.5, width, c))
        c.showPage()
    c.save()
    return buffer.getvalue()
