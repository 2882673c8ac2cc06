"""A resident files a report with the keyboard alone (WCAG 2.1.1, 2.1.2, 2.4.7), on a desktop.

From the top of the report page, Tab only: choose who reports and the category with the arrow
keys, find the address in the loaded address file, adjust the point on the map with the arrow
keys and Enter, write the description, send with the Space bar, read the confirmation. At every
step the element with the focus shows it (an outline or a box-shadow), the focus never lands on
something invisible, and Tab always moves on (no keyboard trap, in the map included).

Screenshots are test artefacts (the ``screenshot`` fixture: $OBSERVATORY_TEST_ARTEFACTS/keyboard_report/),
with one of the page as it was when a step failed.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from observatory.reports.models import Report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST_PAGE_MS = 60_000  # the live server's first page imports the whole site
BAN_SAMPLE = Path(__file__).resolve().parents[1] / "reports" / "data" / "adresses-75-sample.csv"
MAX_TABS = 60

# What the focused element looks like: a visible outline or a box-shadow, on something with a size.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) { return null; }
  const s = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const label = el.id || el.getAttribute("name") || el.getAttribute("aria-label")
    || (el.textContent || "").trim().slice(0, 40) || el.tagName;
  // A date field's last stop is its calendar button, inside the browser's own (closed) shadow
  // tree: Chromium rings that button (see the screenshots), while the field itself, still the
  // active element, no longer matches :focus.
  const picker = /^(date|datetime-local|time|month|week)$/.test(el.type || "") && !el.matches(":focus");
  return {
    label: el.tagName.toLowerCase() + " " + label,
    outline: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || picker,
    shadow: !!s.boxShadow && s.boxShadow !== "none",
    sized: box.width > 0 && box.height > 0,
  };
}"""


def focused(page) -> dict:
    state = page.evaluate(FOCUS)
    assert state is not None, "the focus was lost (back on the page itself)"
    assert state["sized"], f"the focus is on something invisible: {state['label']}"
    assert state["outline"] or state["shadow"], f"no visible focus on {state['label']}"
    return state


def is_focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, key: str = "Tab") -> list[str]:
    """Press Tab until ``selector`` has the focus; each stop must show its focus and move on."""
    seen: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        state = focused(page)
        seen.append(state["label"])
        if is_focused(page, selector):
            return seen
        # A date and time field takes a Tab per part (day, month, year, hour, minute, AM/PM where
        # the browser's language has it, then the picker's button): seven stops at most.
        assert seen[-8:] != [seen[-1]] * 8, f"Tab does not move on from {seen[-1]}"
    raise AssertionError(f"{selector} not reached with {key} in {MAX_TABS} presses: {seen}")


def test_a_report_filed_with_the_keyboard_alone(live_server, browser, paris_areas, screenshot):
    call_command("load_addresses", str(BAN_SAMPLE), stdout=io.StringIO())
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _file_a_report(page, live_server.url, screenshot)
    except AssertionError:
        screenshot(page, "failed")  # the page as it was when a step failed (a focus not shown...)
        raise
    finally:
        context.close()


def _file_a_report(page, base: str, shot) -> None:
    page.goto(f"{base}/report/", timeout=FIRST_PAGE_MS)
    page.locator("#pick-map path").first.wait_for(state="attached")  # the map is drawn

    # From the top of the page: the first Tab is the skip link, shown when focused; Enter jumps
    # past the menu, so the form is a few stops away instead of a dozen.
    page.keyboard.press("Tab")
    assert is_focused(page, "a.skip-link")
    focused(page)
    page.keyboard.press("Enter")
    assert is_focused(page, "main")
    stops = tab_to(page, "input[name=reporter_kind]:checked")
    assert len(stops) < 8, stops

    # Who reports: a radio group is one stop; the resident is chosen already.
    expect(page.locator("input[name=reporter_kind][value=resident]")).to_be_checked()
    # The category: Tab enters the group, the arrow keys move and choose.
    page.keyboard.press("Tab")
    focused(page)
    assert is_focused(page, "input[name=category]")
    gathering = page.get_by_label("Regroupement")
    for _ in range(12):
        if is_focused(page, "input[name=category][value=gathering]"):
            break
        page.keyboard.press("ArrowDown")
        focused(page)
    page.keyboard.press("Space")
    expect(gathering).to_be_checked()

    # The address, from the loaded address file: type, Enter searches (never sends).
    tab_to(page, "#address-q")
    page.keyboard.type("12 rue d'aub")
    page.keyboard.press("Enter")
    choices = page.locator("#address-results button")
    expect(choices).to_have_count(2)
    assert Report.objects.count() == 0
    tab_to(page, "#address-results button")
    expect(choices.first).to_be_focused()
    shot(page, "1-address-choices")
    page.keyboard.press("Enter")
    expect(page.locator("#id_lat")).to_have_value("48.886912")
    expect(page.locator("#id_lon")).to_have_value("2.369418")
    # The list is gone with the button that had the focus: the focus is back in the search field.
    expect(page.locator("#address-q")).to_be_focused()
    focused(page)

    # The map: one Tab stop; the arrow keys move it, Enter puts the point under the cross.
    tab_to(page, "#pick-map")
    expect(page.locator("#pick-map .pick-cross")).to_be_visible()
    assert page.get_attribute("#pick-map", "aria-describedby") == "pick-keys"
    for key in ("ArrowRight", "ArrowRight", "ArrowUp"):
        page.keyboard.press(key)
        page.wait_for_timeout(300)  # Leaflet animates each pan
    page.keyboard.press("Enter")
    expect(page.locator("#id_lat")).not_to_have_value("48.886912")
    lat, lon = float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))
    # Two steps east and one north at the address's zoom: about a hundred metres away.
    assert 48.8870 < lat < 48.8885 and 2.3697 < lon < 2.3720, (lat, lon)
    expect(page.locator("#pick-status")).to_have_text(f"{lat:.6f}, {lon:.6f}")
    shot(page, "2-map-point-placed")
    # No trap: Tab leaves the map (to its zoom buttons, then on through the form).
    page.keyboard.press("Tab")
    focused(page)
    assert not is_focused(page, "#pick-map")
    expect(page.locator("#pick-map .pick-cross")).to_be_hidden()

    # The description, then past the photo to the send button (enabled once the anti-spam
    # check is solved in the background; a disabled button would be skipped by Tab).
    tab_to(page, "#id_description")
    page.keyboard.type("Une dizaine de personnes devant le square, le soir.")
    expect(page.locator("#send")).to_be_enabled()
    tab_to(page, "#send")
    # Not a trap either: on past the button to the footer, and back.
    tab_to(page, "footer a")
    tab_to(page, "#send", key="Shift+Tab")
    shot(page, "3-send-focused")
    page.keyboard.press("Space")

    # The confirmation, read from the top with the keyboard as well.
    expect(page.locator("h1")).to_contain_text("Merci")
    expect(page.locator(".reference")).to_be_visible()
    report = Report.objects.get(source="web")
    assert report.category.code == "gathering"
    assert abs(report.lat - lat) < 1e-6 and abs(report.lon - lon) < 1e-6
    assert report.description.startswith("Une dizaine de personnes")
    tab_to(page, "main a.button")  # "Signaler autre chose"
    shot(page, "4-thanks")
