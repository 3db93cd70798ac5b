"""Academy progress in a real browser: a learner marks lessons done, and the course pages and the academy index
show how far they are and where to continue, in every language, with nothing leaving the browser
(localStorage only: no cookie, no request). Uses the served demo and the browser of tests/test_browser.py."""

from __future__ import annotations

import json

import pytest
import test_browser
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from test_browser import MATERIAL_OWNED, Visit

# test_browser's fixtures (the served demo, Chromium, a recorded visit), used here by name.
browser, site_url, visit, visit_without_js = (test_browser.browser, test_browser.site_url, test_browser.visit,
                                              test_browser.visit_without_js)

pytestmark = pytest.mark.browser

COURSE = "academy/community-foundations/"
LESSONS = ("what-a-community-is-for", "the-first-48-hours", "guidelines-people-read", "answering-first",
           "first-moderation-decisions", "measuring-what-matters")
KEY = "agora.academy.v1"


def toggle(page: Page):
    return page.locator(".agora-done-toggle button")


def summary(page: Page, course: str = "community-foundations"):
    return page.locator(f".agora-course-progress[data-agora-course='{course}']")


def switch_language(page: Page, code: str) -> None:
    """Through the header's language switcher, as a reader does."""
    switcher = page.locator(".agora-switcher")
    switcher.get_by_role("button").hover()
    switcher.locator(f"a[hreflang='{code}']").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def requests_during(page: Page, action) -> list[str]:
    """Every request the page makes while `action` runs (and the page settles)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    action()
    page.wait_for_load_state("networkidle")
    return seen


def test_progress_survives_a_reload_and_a_language_switch(visit: Visit):
    page = visit.open(f"{COURSE}{LESSONS[0]}/")
    button = toggle(page)
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_text("Mark as done")
    assert requests_during(page, button.click) == []  # storing progress sends nothing anywhere
    expect(button).to_have_attribute("aria-pressed", "true")

    page.goto(visit.base + f"{COURSE}{LESSONS[3]}/")
    toggle(page).click()
    page.reload()
    expect(toggle(page)).to_have_attribute("aria-pressed", "true")
    syllabus = page.locator("ol[data-agora-course='community-foundations']")
    for slug in LESSONS:
        mark = syllabus.locator(f"li[data-agora-lesson='{slug}'] .agora-done-mark")
        expect(mark).to_have_count(1 if slug in (LESSONS[0], LESSONS[3]) else 0)
    expect(syllabus.locator(".agora-done-mark").first).to_have_text("(done)")

    stored = json.loads(page.evaluate(f"localStorage.getItem('{KEY}')"))
    assert stored == {"community-foundations": sorted([LESSONS[0], LESSONS[3]])}
    assert page.context.cookies() == []

    # The course page: how far, and on to the first lesson not done (the second).
    page.goto(visit.base + COURSE)
    expect(summary(page)).to_be_visible()
    expect(summary(page).locator(".agora-course-progress__count")).to_have_text("2 of 6 lessons done")
    go_on = summary(page).locator("a:visible")
    expect(go_on).to_have_count(1)
    expect(go_on).to_have_text("Continue: The first 48 hours")

    # The same progress in Polish, reached through the switcher; the link leads to the Polish lesson.
    switch_language(page, "pl")
    expect(page).to_have_url(visit.base + "pl/" + COURSE)
    expect(summary(page).locator(".agora-course-progress__count")).to_have_text("Ukończono 2 z 6 lekcji")
    expect(summary(page).locator("a:visible")).to_have_text("Kontynuuj: Pierwsze 48 godzin")
    expect(page.locator("li[data-agora-lesson] .agora-done-mark").first).to_have_text("(ukończona)")

    page.goto(visit.base + "pl/academy/")
    card = summary(page)
    expect(card.locator(".agora-course-progress__count")).to_have_text("Ukończono 2 z 6 lekcji")
    expect(summary(page, "metrics-for-leadership")).to_be_hidden()  # a course not started says nothing
    card.locator("a:visible").click()
    expect(page).to_have_url(visit.base + f"pl/{COURSE}{LESSONS[1]}/")
    expect(toggle(page)).to_have_attribute("aria-pressed", "false")
    expect(toggle(page)).to_have_text("Oznacz jako ukończoną")

    # Undone in Polish, gone in English too; the English index agrees.
    page.goto(visit.base + f"pl/{COURSE}{LESSONS[0]}/")
    expect(toggle(page)).to_have_attribute("aria-pressed", "true")
    toggle(page).click()
    expect(toggle(page)).to_have_attribute("aria-pressed", "false")
    switch_language(page, "en")
    expect(toggle(page)).to_have_attribute("aria-pressed", "false")
    page.goto(visit.base + "academy/")
    expect(summary(page).locator(".agora-course-progress__count")).to_have_text("1 of 6 lessons done")
    expect(summary(page).locator("a:visible")).to_have_attribute("href", f"community-foundations/{LESSONS[0]}/")
    visit.assert_clean()


def test_the_continue_link_leads_to_the_first_lesson_not_done_and_disappears_when_all_are(visit: Visit):
    page = visit.open(COURSE)
    expect(summary(page)).to_be_hidden()
    for slug in LESSONS[:3]:
        page.goto(visit.base + f"{COURSE}{slug}/")
        toggle(page).click()
    page.goto(visit.base + COURSE)
    summary(page).locator("a:visible").click()
    expect(page).to_have_url(visit.base + f"{COURSE}{LESSONS[3]}/")
    for slug in LESSONS[3:]:
        page.goto(visit.base + f"{COURSE}{slug}/")
        toggle(page).click()
    page.goto(visit.base + COURSE)
    expect(summary(page).locator(".agora-course-progress__count")).to_have_text("6 of 6 lessons done")
    expect(summary(page).locator("a:visible")).to_have_count(0)
    visit.assert_clean()


def test_the_toggle_works_from_the_keyboard(visit: Visit):
    page = visit.open(f"{COURSE}{LESSONS[3]}/")
    button = toggle(page)
    # The toggle follows the quiz: Tab from its last answer reaches it.
    page.locator(".agora-quiz summary").last.focus()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    style = button.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth] }")
    assert style[0] != "none" and float(style[1].removesuffix("px")) > 0, style
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_be_focused()
    page.reload()
    expect(toggle(page)).to_have_attribute("aria-pressed", "true")
    visit.assert_clean()


def test_without_javascript_the_pages_read_as_before(visit_without_js: Visit):
    page = visit_without_js.open(f"{COURSE}{LESSONS[3]}/")
    expect(page.locator("article h1")).to_be_visible()
    expect(toggle(page)).to_be_hidden()
    expect(page.locator(".agora-lesson-nav a[rel='next']")).to_be_visible()
    for path in (COURSE, "academy/"):
        page = visit_without_js.open(path)
        expect(page.locator(".agora-syllabus a, .agora-card h3 a").first).to_be_visible()
        expect(page.locator(".agora-course-progress").first).to_be_hidden()
        expect(page.locator(".agora-course-progress a:visible")).to_have_count(0)
    visit_without_js.assert_clean()


@pytest.mark.parametrize("lang", ["en", "el"])
@pytest.mark.parametrize("path", [f"{COURSE}{LESSONS[3]}/", COURSE, "academy/"],
                         ids=["lesson", "course", "academy"])
def test_no_serious_accessibility_violations_with_progress_shown(visit: Visit, path: str, lang: str):
    prefix = "" if lang == "en" else f"{lang}/"
    page = visit.open(f"{prefix}{COURSE}{LESSONS[3]}/")
    toggle(page).click()
    expect(toggle(page)).to_have_attribute("aria-pressed", "true")
    page = visit.open(prefix + path)
    expect(page.locator(".agora-done-toggle, .agora-course-progress").first).to_be_visible()
    results = Axe().run(page)
    problems = [f"{violation['id']} ({violation['impact']}): {' '.join(map(str, node['target']))}"
                for violation in results.response["violations"] if violation["impact"] in ("serious", "critical")
                for node in violation["nodes"]
                if (violation["id"], " ".join(map(str, node["target"]))) not in MATERIAL_OWNED]
    assert problems == [], "\n".join(problems)
    visit.assert_clean()
