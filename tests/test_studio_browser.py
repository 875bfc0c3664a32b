"""The studio in a real browser: Playwright driving Debian's Chromium.

One app, one live server and one browser for the whole module (each test
opens its own browser contexts, so cookies never leak between tests). Every
page is scanned with axe-core and photographed at 375 and 1280 px into the
run's artifact folder (``SIDCONTENT_TEST_ARTIFACTS``, default
``test-artifacts/``).
"""

from __future__ import annotations

import contextlib
import csv
import email
import io
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import ROOT, fresh_database, make_app
from tests.servers import SIDCONTENT, Process, environment
from tests.studio_kit import make_tokens

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("SIDCONTENT_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "studio"
WIDTHS = (375, 1280)
# The queued-export test's own Redis database: flushed before and after.
QUEUE_REDIS_URL = os.environ.get("SIDCONTENT_TEST_STUDIO_REDIS_URL", "redis://127.0.0.1:6379/7")
CAMPAIGN = "sid-2025"  # published, with messages and resources in five locales
MESSAGE = 21
SCHEDULED_MESSAGE = 25

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs both
    sync_playwright = None  # type: ignore[assignment]


@contextlib.contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` on a free port in a thread of this process; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        app.extensions["sidcontent.db"].dispose()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("studio")
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path)
        secrets = make_tokens(app, prefix="b-")
        with served(app) as base:
            yield {"app": app, "url": base, **secrets}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None or sync_playwright is None:
        reason = "chromium (apt-get install chromium) and playwright (make install) are needed"
        if os.environ.get("CI"):
            pytest.fail(reason + " in CI")
        pytest.skip(reason)
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # Only our server resolves: a CDN reference could not load.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        yield launched
        launched.close()


class Studio:
    """One signed-in browser context, with the checks every page gets."""

    def __init__(self, browser: Browser, base: str, secret: str, **context: Any) -> None:
        self.base = base
        self.context: BrowserContext = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, **context
        )
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # Script errors, and anything the CSP blocked (an inline script or a
        # foreign origin would show here).
        self.page.on(
            "console",
            lambda msg: (
                self.errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        if secret:
            self.sign_in(secret)

    def sign_in(self, secret: str) -> None:
        self.page.goto(self.base + "/studio/sign-in")
        self.page.get_by_label("API token").fill(secret)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("heading", name="Campaigns", exact=True)).to_be_visible()

    def goto(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def check(self, name: str) -> None:
        """axe-core: no serious or critical violation; screenshots at both widths."""
        seen = len(self.errors)
        result = Axe().run(self.page)
        del self.errors[seen:]  # axe-core's own complaints about its options
        bad = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{name}: {bad}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways at {width} px"
        self.page.set_viewport_size({"width": 1280, "height": 900})
        assert self.errors == [], f"{name}: browser errors {self.errors}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def open_studio(browser: Browser, studio: dict[str, Any]) -> Iterator[Any]:
    opened: list[Studio] = []

    def factory(role: str, **context: Any) -> Studio:
        session = Studio(browser, studio["url"], studio.get(role, ""), **context)
        opened.append(session)
        return session

    yield factory
    for session in opened:
        session.close()


def test_sign_in_page_and_a_bad_token(open_studio) -> None:
    s = open_studio("nobody")
    page = s.goto("/studio/campaigns")
    expect(page).to_have_url(re.compile(r"/studio/sign-in"))
    s.check("sign-in")
    page.get_by_label("API token").fill("sid_" + "x" * 43)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That token was not accepted")).to_be_visible()


def test_marketer_sees_no_edit_control_and_forgery_is_refused(open_studio) -> None:
    s = open_studio("marketer")
    s.check("campaigns")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}")
    expect(page.get_by_role("heading", name="Translation coverage")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Edit "))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Publish|Unpublish"))).to_have_count(0)
    expect(page.get_by_role("link", name="Export…")).to_be_visible()
    s.check("campaign-marketer")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    # A forged save with the marketer's own session and CSRF token: refused.
    forged = page.request.post(
        f"{s.base}/studio/messages/{MESSAGE}/edit",
        form={"csrf_token": csrf, "revision": "1", "shown": "en", "translations.en.headline": "x"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert page.request.get(f"{s.base}/studio/messages/{MESSAGE}/edit").status == 403


def test_editor_sees_edit_but_no_publish(open_studio) -> None:
    s = open_studio("editor")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}")
    expect(page.get_by_role("link", name=re.compile("^Edit ")).first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Publish|Unpublish|Cancel"))).to_have_count(0)
    page.goto(f"{s.base}/studio/messages/{MESSAGE}/edit")
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Publish|Unpublish"))).to_have_count(0)


def test_edit_translate_save_and_restore(open_studio) -> None:
    s = open_studio("editor")
    page = s.goto(f"/studio/messages/{MESSAGE}/edit?source=en&target=nl")
    # No Dutch yet: the English text shows greyed in its place.
    expect(page.get_by_text("Not translated: readers get the en text")).to_be_visible()
    headline = page.locator("#f-translations-nl-headline")
    assert (
        headline.get_attribute("placeholder")
        == page.locator("#f-translations-en-headline").input_value()
    )
    s.check("editor")
    headline.fill("Te mooi om waar te zijn? Dan is het dat meestal ook")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"Saved \(revision \d+\)"))).to_be_visible()
    expect(page.locator("#f-translations-nl-headline")).to_have_value(
        "Te mooi om waar te zijn? Dan is het dat meestal ook"
    )
    # A field the API refuses: the error sits next to it.
    page.get_by_label("Link").fill("not a link")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#f-link-err")).to_have_text(
        "A URL may not contain spaces or control characters."
    )
    expect(page.get_by_label("Link")).to_have_attribute("aria-invalid", "true")
    # Revisions: who and when, and restore the one before the Dutch.
    page.goto(f"{s.base}/studio/messages/{MESSAGE}/revisions")
    expect(page.get_by_role("cell", name="b-editor").first).to_be_visible()
    s.check("revisions")
    rows = page.locator("tbody tr")
    before_nl = rows.nth(1).locator("th").inner_text()
    page.get_by_role("button", name=f"Restore revision {before_nl}").click()
    expect(page.get_by_text(f"Restored revision {before_nl}")).to_be_visible()
    page.goto(f"{s.base}/studio/messages/{MESSAGE}/edit?source=en&target=nl")
    expect(page.locator("#f-translations-nl-headline")).to_have_value("")


def test_a_conflicting_save_shows_the_choice(open_studio) -> None:
    first, second = open_studio("editor"), open_studio("publisher")
    path = f"/studio/messages/{MESSAGE}/edit?source=en&target=fr"
    a, b = first.goto(path), second.goto(path)
    a.locator("#f-translations-en-headline").fill("First editor's headline")
    b.locator("#f-translations-en-headline").fill("Second editor's headline")
    a.get_by_role("button", name="Save").click()
    expect(a.get_by_text(re.compile("Saved"))).to_be_visible()
    b.get_by_role("button", name="Save").click()
    expect(b.get_by_role("heading", name="Someone else saved first")).to_be_visible()
    expect(b.get_by_text("b-editor saved revision")).to_be_visible()
    expect(b.get_by_role("cell", name="First editor's headline")).to_be_visible()
    expect(b.get_by_role("cell", name="Second editor's headline")).to_be_visible()
    second.check("conflict")
    b.get_by_role("button", name="Keep my version").click()
    expect(b.get_by_text(re.compile("Saved"))).to_be_visible()
    expect(b.locator("#f-translations-en-headline")).to_have_value("Second editor's headline")


def test_schedule_then_cancel_in_the_viewers_zone(open_studio) -> None:
    s = open_studio("publisher", timezone_id="Europe/Brussels")
    page = s.goto(f"/studio/messages/{SCHEDULED_MESSAGE}/edit")
    expect(page.locator(".status").first).to_have_text("Scheduled")
    page.get_by_label("Publish at (UTC)").fill("2030-02-11T08:00")
    page.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_text("Scheduled for 2030-02-11 08:00 UTC")).to_be_visible()
    page.goto(f"{s.base}/studio/campaigns/{CAMPAIGN}")
    entry = page.locator(".schedule li", has_text=f"Message {SCHEDULED_MESSAGE}")
    expect(entry).to_contain_text("2030-02-11 08:00 UTC")
    expect(entry).to_contain_text("Europe/Brussels")
    expect(entry).to_contain_text("09:00")  # CET is UTC+1 in February
    s.check("campaign-publisher")
    entry.get_by_role("button", name="Cancel schedule").click()
    expect(page.get_by_text("Back to draft.")).to_be_visible()
    expect(page.locator(".schedule li", has_text=f"Message {SCHEDULED_MESSAGE}")).to_have_count(0)


def _export_form(page: Page, exporter: str) -> None:
    page.get_by_label("Exporter").select_option(exporter)
    page.get_by_role("button", name="Choose").click()
    expect(page.locator('input[name="exporter"]')).to_have_value(exporter)


def _counters(page: Page, locale: str) -> dict[str, list[int]]:
    """The editor's counters once they show the form as it is: lengths per platform."""
    box = page.locator(f"#f-translations-{locale}-body-count")
    expect(box).to_have_attribute("aria-busy", "false")
    shown = {}
    for item in box.locator("li[data-platform]").all():
        lengths = item.get_attribute("data-lengths") or ""
        shown[item.get_attribute("data-platform")] = [int(n) for n in lengths.split(",") if n]
    return shown


def test_counters_match_the_social_export(open_studio, studio) -> None:
    """The counters show each platform's post as the export composes it (headline,
    body, call to action, link, hashtags): a real export of the same message
    gives the same parts with the same lengths."""
    s = open_studio("publisher")
    page = s.goto(f"/studio/messages/{MESSAGE}/edit?source=en&target=fr")
    page.locator("#f-translations-en-headline").fill("Spot the scam 🕵️‍♀️ before it spots you")
    page.locator("#f-translations-en-body").fill(
        "Scammers copy the shops and games you love 🎮👩‍👩‍👧: check the address at "
        "https://example.org/sid?x=1 twice before you pay, and ask someone you trust "
        "when an offer looks too good to be true. Report the fake so nobody else falls "
        "for it #SID2025"
    )
    page.locator("#f-translations-en-call_to_action").fill("Share the checklist")
    page.get_by_label("Link").fill("https://example.org/checklist")
    page.get_by_label("Hashtags").fill("ScamAware, OnlineSafety")
    counted = _counters(page, "en")
    assert {"x", "mastodon", "bluesky"} <= set(counted)
    x = page.locator('#f-translations-en-body-count li[data-platform="x"]')
    expect(x).to_contain_text(f"would need a thread of {len(counted['x'])} parts")
    assert len(counted["x"]) >= 2 and len(counted["mastodon"]) == 1
    s.check("editor-counters")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile("Saved"))).to_be_visible()
    # After the save the page counts the stored texts: the same numbers.
    assert _counters(page, "en") == counted
    # The social export of this message, previewed in the panel.
    page.goto(f"{s.base}/studio/campaigns/{CAMPAIGN}/export")
    _export_form(page, "social")
    page.get_by_label("Locale").select_option("en")
    page.get_by_role("checkbox", name=re.compile(rf"^{MESSAGE}:")).check()
    page.get_by_role("button", name="Preview").click()
    exported = {}
    for platform in counted:
        parts = page.locator(f'ol.parts[data-platform="{platform}"] li .muted')
        expect(parts.first).to_be_visible()
        exported[platform] = [
            int(re.search(r": (\d+)/", text).group(1)) for text in parts.all_inner_texts()
        ]
    s.check("export-social")
    assert exported == counted


def test_poster_preview_and_download(open_studio) -> None:
    from pypdf import PdfReader

    s = open_studio("marketer")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}/export")
    _export_form(page, "poster")
    page.get_by_role("checkbox", name=re.compile(r"^22:")).check()  # no emoji: the font has it all
    page.get_by_label("Size").select_option("A3")
    page.get_by_label("Bleed").check()
    page.get_by_role("button", name="Preview").click()
    image = page.get_by_role("img", name="Poster preview")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 100
    s.check("export-poster")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export and download").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(download.path())
    box = pdf.pages[0]
    a3 = (841.89, 1190.55)
    bleed = 3 / 25.4 * 72
    assert abs(float(box.trimbox.width) - a3[0]) < 1
    assert abs(float(box.trimbox.height) - a3[1]) < 1
    assert abs(float(box.bleedbox.width) - (a3[0] + 2 * bleed)) < 1


def test_social_csv_download(open_studio) -> None:
    s = open_studio("marketer")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}/export")
    _export_form(page, "social")
    page.get_by_label("Format", exact=True).select_option("text/csv")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export and download").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert len(rows) > 3
    assert {"x", "mastodon", "bluesky"} <= {
        (r.get("platform") or r.get("Platform") or "").lower() for r in rows
    }


def test_newsletter_preview_is_sandboxed_and_eml_downloads(open_studio) -> None:
    s = open_studio("marketer")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}/export")
    _export_form(page, "newsletter")
    page.get_by_role("button", name="Preview").click()
    frame = page.frame_locator("iframe.newsletter")
    expect(frame.locator("body")).to_contain_text("Safer Internet Day")
    assert page.locator("iframe.newsletter").get_attribute("sandbox") == ""
    src = page.locator("iframe.newsletter").get_attribute("src")
    frame_csp = page.request.get(s.base + src).headers["content-security-policy"]
    assert "sandbox" in frame_csp and "script-src" not in frame_csp
    s.check("export-newsletter")
    page.get_by_label("Format", exact=True).select_option("message/rfc822")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export and download").click()
    download = info.value
    assert download.suggested_filename.endswith(".eml")
    message = email.message_from_bytes(Path(download.path()).read_bytes())
    types = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= types
    assert message["Subject"]


def test_third_party_exporter_gets_a_form_and_keyboard_export(open_studio, studio) -> None:
    s = open_studio("marketer")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}/export")
    # Keyboard only from here: pick the calendar plugin, fill, export.
    page.get_by_label("Exporter").focus()
    page.keyboard.press("Home")
    while page.get_by_label("Exporter").input_value() != "calendar":
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator('input[name="exporter"]')).to_have_value("calendar")
    # The plugin's schema became a form: a checkbox and a bounded number.
    webinars = page.get_by_label("Include webinars")
    expect(webinars).to_be_checked()
    reminder = page.get_by_label("Reminder minutes")
    expect(reminder).to_have_attribute("type", "number")
    expect(reminder).to_have_attribute("max", "10080")
    s.check("export-calendar")
    reminder.focus()
    page.keyboard.type("30")
    with page.expect_download() as info:
        # Tab on to the download button, the last control of the form.
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.textContent")
            if focused and "Export and download" in focused:
                break
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    content = Path(download.path()).read_text()
    assert "BEGIN:VCALENDAR" in content and "TRIGGER:-PT30M" in content


def test_export_history_lists_and_redownloads(open_studio, studio) -> None:
    from sidcontent.exports.service import ExportRequest

    # An export of its own, so the history is not empty when this runs alone.
    studio["app"].extensions["sidcontent.exports"].run(
        ExportRequest(exporter="calendar", campaign=CAMPAIGN, options={"reminder_minutes": 10})
    )
    s = open_studio("marketer")
    page = s.goto(f"/studio/campaigns/{CAMPAIGN}")
    history = page.locator("section", has=page.get_by_role("heading", name="Export history"))
    link = history.get_by_role("link").first
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == link.inner_text()


@pytest.fixture()
def queued_studio(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A studio whose exports go to Celery over Redis, and a way to start a
    real ``sidcontent worker`` on the same database and artifact store."""
    try:
        import redis
    except ImportError:  # pragma: no cover - the dev extra installs it
        pytest.skip("the redis client is not installed")
    client = redis.Redis.from_url(QUEUE_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"Redis does not answer at {QUEUE_REDIS_URL}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must provide Redis: .ci/run)")
        pytest.skip(reason)
    client.flushdb()  # this test's own database number only
    # Artifacts in the database: the worker and the web process share no folder.
    shared = {"BROKER_URL": QUEUE_REDIS_URL, "ARTIFACT_STORE": "database"}
    workers: list[Process] = []
    with fresh_database(tmp_path) as url:
        app = make_app(url, tmp_path, **shared)
        secrets = make_tokens(app, prefix="q-")
        env = environment(
            url, tmp_path / "worker", **{f"SIDCONTENT_{k}": v for k, v in shared.items()}
        )

        def start_worker() -> Process:
            worker = Process(
                [SIDCONTENT, "worker", "--concurrency", "1"], env, tmp_path / "worker.log"
            )
            workers.append(worker)
            return worker

        try:
            with served(app) as base:
                yield {"url": base, "start_worker": start_worker, **secrets}
        finally:
            for worker in workers:
                worker.stop()
            client.flushdb()
            client.close()


@pytest.mark.slow
def test_a_queued_export_shows_its_progress_and_appears_when_done(
    browser: Browser, queued_studio: dict[str, Any]
) -> None:
    """Exported from the panel with a broker configured, the export waits in
    Redis; the history follows it while a real worker process runs it, and
    offers the download once it is done."""
    s = Studio(browser, queued_studio["url"], queued_studio["marketer"])
    try:
        page = s.goto(f"/studio/campaigns/{CAMPAIGN}/export")
        _export_form(page, "calendar")
        page.get_by_label("Reminder minutes").fill("45")
        page.get_by_role("button", name="Export and download").click()
        expect(page.get_by_text("Export queued")).to_be_visible()
        history = page.locator("section", has=page.get_by_role("heading", name="Export history"))
        row = history.locator("tbody tr").first
        # No worker yet: the job waits, first in the queue, with no file.
        expect(row.locator(".status")).to_have_text("queued (#1)", timeout=10_000)
        expect(row.get_by_role("link")).to_have_count(0)
        status_url = row.locator(".status").get_attribute("data-export-status") or ""
        export_id = status_url.split("/")[-2]
        s.check("export-queued")
        worker = queued_studio["start_worker"]()
        expect(row.locator(".status")).to_have_text("succeeded", timeout=90_000)
        link = row.get_by_role("link", name=re.compile(r"\.ics$"))
        expect(link).to_be_visible()
        with page.expect_download() as info:
            link.click()
        content = Path(info.value.path()).read_text()
        assert "BEGIN:VCALENDAR" in content and "TRIGGER:-PT45M" in content
        # Run by the worker process, not by the web process that took the request.
        assert f"export {export_id}: succeeded" in worker.output(), worker.output()[-3000:]
    finally:
        s.close()
