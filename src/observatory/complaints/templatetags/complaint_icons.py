"""``{% icon "ban" %}``: small line icons drawn inline (no font, no request), always beside a word.

The filing form and the slip are read by people who may read little: every choice carries an
icon and its words. The icons are decorative for screen readers (aria-hidden), the words say it.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

PATHS = {
    "ban": '<circle cx="12" cy="12" r="9"/><path d="M5.6 5.6l12.8 12.8"/>',
    "bolt": '<path d="M13 2L4 14h7l-1 8 9-12h-7z"/>',
    "bed": '<path d="M3 18V7M3 14h18v4M21 14v-3a3 3 0 0 0-3-3h-7v6"/><circle cx="7" cy="11" r="2"/>',
    "pill": '<rect x="2" y="9" width="20" height="6" rx="3" transform="rotate(-45 12 12)"/>'
    '<path d="M9.5 9.5l5 5"/>',
    "card": '<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="8.5" cy="11" r="2"/>'
    '<path d="M6 16h5M14 10h4M14 14h4"/>',
    "cross": '<path d="M9 3h6v6h6v6h-6v6H9v-6H3V9h6z"/>',
    "paw": '<circle cx="6" cy="9" r="2"/><circle cx="10" cy="5" r="2"/><circle cx="14" cy="5" r="2"/>'
    '<circle cx="18" cy="9" r="2"/><path d="M7 18c0-3 2.5-6 5-6s5 3 5 6c0 2-2 3-5 3s-5-1-5-3z"/>',
    "dots": '<circle cx="5" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/>'
    '<circle cx="19" cy="12" r="1.5"/>',
    "shield": '<path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/>',
    "badge": '<rect x="5" y="3" width="14" height="18" rx="2"/><circle cx="12" cy="10" r="3"/>'
    '<path d="M8 17h8"/>',
    "person": '<circle cx="12" cy="7" r="4"/><path d="M4 21c0-4 3.6-7 8-7s8 3 8 7"/>',
    "key": '<circle cx="8" cy="15" r="4"/><path d="M11 12l9-9M16 7l3 3"/>',
    "message": '<path d="M4 5h16v11H9l-5 4z"/>',
    "check": '<path d="M4 12l5 5L20 6"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 3"/>',
    "phone": '<rect x="7" y="2" width="10" height="20" rx="2"/><path d="M11 18h2"/>',
    "printer": '<path d="M6 9V3h12v6M6 18H4v-7h16v7h-2M7 14h10v7H7z"/>',
    "place": '<path d="M12 21s-7-6-7-12a7 7 0 0 1 14 0c0 6-7 12-7 12z"/><circle cx="12" cy="9" r="2.5"/>',
    "calendar": '<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>',
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "camera": '<path d="M3 8h4l2-3h6l2 3h4v11H3z"/><circle cx="12" cy="13" r="3.5"/>',
    "pen": '<path d="M4 20l4-1L19 8l-3-3L5 16z"/>',
}

# The icon of each choice of the filing form.
OF_CHOICE = {
    "care_refused": "ban",
    "violence_suffered": "bolt",
    "full": "bed",
    "used": "pill",
    "papers": "card",
    "insurance": "cross",
    "animal": "paw",
    "banned": "ban",
    "police": "shield",
    "security": "badge",
    "staff": "cross",
    "public": "person",
    "other": "dots",
}


@register.simple_tag
def icon(name: str, size: int = 28) -> str:
    paths = PATHS.get(OF_CHOICE.get(name, name), PATHS["dots"])
    return mark_safe(  # noqa: S308 (constant markup above, no user input)
        f'<svg class="icon" width="{int(size)}" height="{int(size)}" viewBox="0 0 24 24" fill="none" '
        f'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" '
        f'aria-hidden="true" focusable="false">{paths}</svg>'
    )
