"""The slip handed to the person: the code, where to type it, a QR code (reportlab, as the
consultation's paper codes in consultation/core/pdf.py).

The QR code holds the follow page's address with the code after ``#``: a browser never sends
what follows ``#`` to the server, so the code stays out of server logs; the page's script copies
it into the form and removes it from the address bar.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A7
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def _qr(data: str, size: float) -> Drawing:
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def qr_svg(data: str, size: float = 150) -> str:
    """The QR code as an inline SVG element (for the slip page)."""
    svg: str = renderSVG.drawToString(_qr(data, size))
    return svg[svg.index("<svg") :]


def _fit(c: canvas.Canvas, text: str, font: str, size: float, width: float) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def slip(code: str, *, url: str, lines: dict[str, str]) -> bytes:
    """One A7 page (74 x 105 mm, a quarter of A5): a card that fits a pocket.

    ``lines`` holds translated texts: title, keep, where, status, never.
    """
    buffer = io.BytesIO()
    w, h = A7
    c = canvas.Canvas(buffer, pagesize=A7, pageCompression=1)
    c.setTitle(lines["title"])
    c.setAuthor("Observatory")
    x = 6 * mm
    width = w - 12 * mm

    def say(text: str, font: str, size: float, y: float) -> None:
        c.setFont(font, size)
        c.drawString(x, y, _fit(c, text, font, size, width))

    say(lines["title"], "Helvetica-Bold", 11, h - 10 * mm)
    say(lines["keep"], "Helvetica", 8, h - 15 * mm)
    say(code, "Courier-Bold", 15, h - 25 * mm)
    say(lines["where"], "Helvetica", 8, h - 32 * mm)
    say(url, "Courier", 7, h - 36 * mm)
    renderPDF.draw(_qr(f"{url}#{code}", 34 * mm), c, (w - 34 * mm) / 2, 18 * mm)
    say(lines["status"], "Helvetica", 7, 12 * mm)
    say(lines["never"], "Helvetica", 7, 8 * mm)
    c.showPage()
    c.save()
    return buffer.getvalue()
