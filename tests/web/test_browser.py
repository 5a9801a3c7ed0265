"""The web console in a real browser (issue 20, "Tests in a real browser"): Debian's Chromium
driven by Playwright against the console served live by uvicorn, over a home whose reviews the
real daily cycle asked for.

A legal user signs in, opens a pending review, reads the case's amounts, approves with a
comment and sees it on the case's timeline; the next daily cycle then moves the case. A
collector finds no approve button, and the approve POST they forge with their own session and a
valid CSRF token is refused 403; a POST without the CSRF token is refused; six wrong passwords
meet the rate limit; a hostile debtor name is text, never script. Screenshots of the queue and
the review page go to $DUECOURSE_SCREENSHOTS (CI's artifacts) or the test's temporary folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.web.browser_conftest import (
    BALANCE,
    HOSTILE,
    LEGAL,
    PASSWORD,
    Home,
    base_url,
    browser,
    home,
    next_cycle,
    render_letter,
    set_password_for,
    shots,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page, Response

__all__ = ["base_url", "browser", "home", "shots"]  # the fixtures these tests use, by name

APPROVE = 'form[action$="/approve"]'
COLLECTORS = ("demo.wangfang", "demo.liqiang")  # collectors of the shipped (demo) roster


def open_page(browser: Browser, base_url: str) -> Page:
    """A fresh browser context (its own cookies) in English, so the assertions read one
    language; a page in it."""
    context = browser.new_context(base_url=base_url, locale="en-US")
    context.add_cookies([{"name": "lang", "value": "en", "url": base_url}])
    context.set_default_timeout(15_000)
    return context.new_page()


def is_post(path: str) -> Callable[[Response], bool]:
    """Matches the answer to a POST of `path` (before any redirect it sends)."""
    return lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith(path)


def sign_in(page: Page, name: str, password: str = PASSWORD) -> int:
    """Through the login form; the HTTP status of its answer."""
    page.goto("/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', password)
    submit = page.locator('form:has(input[name="password"]) [type="submit"]').first
    with page.expect_navigation(), page.expect_response(is_post("/login")) as answer:
        submit.click()  # the navigation waited for: the page that answers has loaded
    return answer.value.status


def test_legal_user_approves_a_review_and_the_next_cycle_moves_the_case(
    browser: Browser, base_url: str, home: Home, shots: Path
) -> None:
    page = open_page(browser, base_url)
    page.on("dialog", lambda dialog: dialog.accept())  # a confirm() before approving, if any
    assert sign_in(page, LEGAL) == 303
    assert page.url.endswith("/reviews"), page.url  # signing in lands on the queue
    assert page.locator(f'a[href="/reviews/{home.review_id}"]').count() >= 1
    page.screenshot(path=str(shots / "review-queue.png"), full_page=True)

    page.locator(f'a[href="/reviews/{home.review_id}"]').first.click()
    page.wait_for_url(f"**/reviews/{home.review_id}")
    body = page.locator("body").inner_text()
    assert BALANCE in body  # the case's amounts: principal + interest + fees
    assert "lawyer_letter" in body or "lawyer letter" in body.lower()
    page.screenshot(path=str(shots / "review-page.png"), full_page=True)

    form = page.locator(APPROVE)
    form.locator('[name="comment"]').fill("证据充分，同意发函")
    with page.expect_navigation(), page.expect_response(is_post("/approve")) as answer:
        form.locator('[type="submit"]').first.click()
    assert answer.value.status == 303  # back to a page, with the decision taken
    decided = home.review(home.review_id)
    assert (decided["status"], decided["decided_by"], decided["decided_via"]) == (
        "approved", LEGAL, "web",
    )  # fmt: skip
    assert decided["comment"] == "证据充分，同意发函"

    page.goto(f"/cases/{home.case_id}")
    timeline = page.locator("body").inner_text()
    assert "证据充分，同意发函" in timeline  # the decision on the case's timeline
    assert home.stage(home.case_id) == "formal_demand"  # approved, not yet moved

    summary = next_cycle(home)
    assert summary["actions"].get("stage_move") == 1
    page.reload()
    moved = page.locator("body").inner_text()
    assert home.stage(home.case_id) == "lawyer_letter"
    assert "formal_demand -> lawyer_letter" in moved  # the move, on the case page
    page.context.close()


def test_a_collector_has_no_approve_button_and_a_forged_approval_is_refused(
    browser: Browser, base_url: str, home: Home
) -> None:
    collector = home.case_owner(home.case_id)  # the cycle gave the case to a collector
    set_password_for(home, collector)
    page = open_page(browser, base_url)
    assert sign_in(page, collector) == 303
    answer = page.goto(f"/reviews/{home.review_id}")  # the review of their own case
    assert answer is not None and answer.status == 200
    assert BALANCE in page.locator("body").inner_text()  # they see it...
    assert page.locator(APPROVE).count() == 0  # ...but no approve form
    assert page.locator('form[action$="/reject"]').count() == 0
    page.goto(f"/cases/{home.case_id}")  # their own case: a page with the session's forms
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert token
    forged = page.request.post(
        f"/reviews/{home.review_id}/approve",
        form={"csrf": token, "comment": "looks fine to me"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert home.review(home.review_id)["status"] == "pending"
    page.context.close()


def test_a_post_without_its_csrf_token_is_refused(
    browser: Browser, base_url: str, home: Home
) -> None:
    page = open_page(browser, base_url)
    assert sign_in(page, LEGAL) == 303  # the right role: only the token is missing
    forms: list[dict[str, str | float | bool]] = [
        {"comment": "no token"},
        {"comment": "wrong token", "csrf": "x" * 43},
    ]
    for form in forms:
        refused = page.request.post(
            f"/reviews/{home.review_id}/approve", form=form, max_redirects=0
        )
        assert refused.status == 403
    logout = page.request.post("/logout", form={}, max_redirects=0)
    assert logout.status == 403  # signing out is a form too
    assert home.review(home.review_id)["status"] == "pending"
    page.context.close()


def test_six_wrong_passwords_meet_the_rate_limit(
    browser: Browser, base_url: str, home: Home
) -> None:
    page = open_page(browser, base_url)
    statuses = [sign_in(page, LEGAL, "not the password") for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert re.search(r"too many attempts, try again in \d+ minutes?", page.content())
    assert sign_in(page, LEGAL) == 429  # even the right password waits
    assert "/login" in page.url
    page.context.close()


def test_a_hostile_debtor_name_is_shown_as_text(
    browser: Browser, base_url: str, home: Home
) -> None:
    page = open_page(browser, base_url)
    dialogs: list[str] = []

    def seen(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    assert sign_in(page, LEGAL) == 303
    for path in (
        "/reviews",
        f"/reviews/{home.hostile_review_id}",
        f"/cases/{home.hostile_case_id}",
    ):
        page.goto(path)
        page.wait_for_load_state("load")
        assert HOSTILE in page.locator("body").inner_text(), path  # shown, as typed
        assert page.locator('img[src="x"]').count() == 0, path
        assert page.locator("script:not([src])").count() == 0, path  # no inline script at all
    assert dialogs == []  # no alert() ever ran
    page.context.close()


def test_without_chromium_the_browser_tests_skip_unless_ci_requires_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web import browser_conftest

    monkeypatch.setattr(browser_conftest, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("DUECOURSE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium is missing"):
        browser_conftest.browser_or_skip()
    monkeypatch.setenv("DUECOURSE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="DUECOURSE_REQUIRE_BROWSER is set"):
        browser_conftest.browser_or_skip()


def test_the_legal_user_opens_a_case_letter_inline_and_reads_its_hash(
    browser: Browser, base_url: str, home: Home
) -> None:
    """The stored PDF is served inline to a user who may see its case, with the SHA-256 the
    store recorded on the page that embeds it; a collector who does not own the case gets 404."""
    import hashlib

    doc = render_letter(home, home.case_id)
    page = open_page(browser, base_url)
    assert sign_in(page, LEGAL) == 303
    page.goto(f"/documents/{doc['id']}/view")
    assert doc["sha256"] in page.locator("body").inner_text()
    pdf = page.request.get(f"/documents/{doc['id']}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert hashlib.sha256(pdf.body()).hexdigest() == doc["sha256"]  # the file, as stored
    page.context.close()
    stranger = next(u for u in COLLECTORS if u != home.case_owner(home.case_id))
    set_password_for(home, stranger)
    other = open_page(browser, base_url)
    assert sign_in(other, stranger) == 303
    assert other.request.get(f"/documents/{doc['id']}").status == 404
    other.context.close()
