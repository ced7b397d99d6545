"""The progress page and the home page in a real browser (Debian's Chromium
through Playwright) against the real server, on a database with a known
history of 400 days: what the page shows is held to the API's own numbers.
Screenshots at 1280 and 360 px wide, light and dark, go to tests/screenshots/."""
import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from app import create_app
from lib.core import clock
from lib.web.database import close_all
from tests.helpers import bearer, group_word_ids
from tests.live_server import LiveServer
from tests.test_activities_browser import (  # noqa: F401 (fixtures)
    MARKUP, SCREENSHOTS, api, browser, page, signin_server)

try:
    from playwright.sync_api import expect
except ImportError:  # skipped with the browser tests it borrows from
    expect = None

HISTORY_DAYS = 400
# Sessions on days d (days ago) with d % 10 == 3 start at 23:40 UTC, already
# the next day in Tokyo, and the day after them has no study (d % 10 == 2,
# from TZ_DAY down): in Tokyo their reviews move a day on, onto an empty day.
TZ_DAY = 13
PAGE_BUDGET_BYTES = 60 * 1024


def studied(days_ago):
    return not (days_ago >= 12 and days_ago % 10 == 2) and not 180 <= days_ago < 190


def session_time(days_ago, now):
    day = (now - timedelta(days=days_ago)).date()
    if days_ago == 0:
        return now - timedelta(minutes=30)
    at = {3: (23, 40), 7: (2, 30)}.get(days_ago % 10, (9, 15))  # 02:30 UTC: the evening before in New York
    return datetime(day.year, day.month, day.day, *at, tzinfo=timezone.utc)


def rating(word_id, days_ago):
    if word_id % 6 == 0 and days_ago % 3 == 0:
        return "again"
    if days_ago % 11 == 0:
        return "easy"
    return "hard" if word_id % 5 == 0 else "good"


def record_history(path, group_ids):
    """400 days of sessions through the API, the clock set to each in turn:
    a few to twenty answers a day, in the seed's groups by turns, some words
    forgotten often (leeches), ten days without study half a year ago."""
    app = create_app({"TESTING": True, "DATABASE": str(path), "INIT_DATABASE": False})
    client = app.test_client()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    moment = [now]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "utcnow", lambda: moment[0])
        for days_ago in range(HISTORY_DAYS - 1, -1, -1):
            if not studied(days_ago):
                continue
            moment[0] = session_time(days_ago, now)
            group_id = group_ids[days_ago % len(group_ids)]
            session = client.post("/api/study-sessions", json={"group_id": group_id, "study_activity_id": 2})
            assert session.status_code == 201, session.get_json()
            words = group_word_ids_of(app, group_id)
            size = 3 + days_ago * 5 % 17
            start = days_ago * 3 % len(words)
            chosen = (words[start:] + words[:start])[:size]
            response = client.post(f"/api/study-sessions/{session.get_json()['id']}/review", json={
                "reviews": [{"word_id": word, "rating": rating(word, days_ago)} for word in chosen]})
            assert response.status_code == 201, response.get_json()
    close_all(app)


def group_word_ids_of(app, group_id, kept={}):
    if group_id not in kept:
        from lib.store.connection import connect
        conn = connect(app.config["DATABASE"])
        try:
            kept[group_id] = group_word_ids(conn, group_id)[:25]
        finally:
            conn.close()
    return kept[group_id]


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeded_template):
    path = tmp_path_factory.mktemp("progress") / "lang_portal.db"
    shutil.copy(seeded_template, path)
    from lib.store.connection import connect, immediate
    conn = connect(str(path))
    try:
        with immediate(conn):  # a group whose name is markup, and an activity no longer offered
            group = conn.execute("INSERT INTO groups (name) VALUES (?)", (MARKUP,)).lastrowid
            conn.execute("INSERT INTO word_groups (group_id, word_id) SELECT ?, word_id FROM word_groups"
                         " WHERE group_id = 1", (group,))
            conn.execute("INSERT INTO study_activities (name, url, preview_url, description, retired)"
                         " VALUES ('Old Quiz', 'http://localhost:9/quiz', '/old.png', 'Gone.', 1)")
            group_ids = [row[0] for row in conn.execute("SELECT id FROM groups ORDER BY id")]
    finally:
        conn.close()
    record_history(path, group_ids)
    live = LiveServer(path, workers=2).start()
    live.base = f"http://127.0.0.1:{live.port}"
    yield live
    live.stop()


def open_progress(server, page):
    page.goto(f"{server.base}/activities/progress/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def shot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def accessible_names(page, role):
    """The names Chromium gives a screen reader for every node of ``role``, in document order."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return [node["name"]["value"] for node in nodes
            if not node.get("ignored") and node.get("role", {}).get("value") == role]


def day_name(date, day):
    if day is None or day["reviews"] == 0:
        return f"{date}: no reviews"
    reviews = f"{day['reviews']} review{'s' if day['reviews'] != 1 else ''}"
    return f"{date}: {reviews}, {round(day['accuracy'] * 100)} % correct"


def expected_year(server):
    history = api(server, "GET", "/api/dashboard/history")
    today = datetime.fromisoformat(api(server, "GET", "/api/dashboard/forecast")["days"][0]["date"]).date()
    by_date = {day["date"]: day for day in history["days"]}
    dates = [(today - timedelta(days=n)).isoformat() for n in range(364, -1, -1)]
    return history, dates, [day_name(date, by_date.get(date)) for date in dates]


def numbers(page, within):
    """The rows of the table of numbers of the figure in ``within``, as texts."""
    return [row.locator("th, td").all_text_contents()
            for row in page.locator(f"{within} table tbody tr").all()]


def test_the_year_names_every_day_as_the_api_counts_it(server, page):
    open_progress(server, page)
    history, dates, names = expected_year(server)
    # a screen reader reads the grid a row (a weekday) at a time; each day once, named as the API counts it
    assert sorted(accessible_names(page, "gridcell")) == names and len(names) == 365
    studied_days = [day for day in history["days"] if day["date"] >= dates[0]]
    stats = dict(zip(page.locator("#year-stats dt").all_text_contents(),
                     page.locator("#year-stats dd").all_text_contents()))
    assert stats == {
        "Current streak": f"{history['current_streak']} days", "Longest streak": f"{history['longest_streak']} days",
        "Reviews this year": f"{sum(day['reviews'] for day in studied_days):,}",
        "Days studied": f"{len(studied_days):,}"}
    assert history["current_streak"] == 12 and history["longest_streak"] == 12
    assert [row[0] for row in numbers(page, "#year")] == [day["date"] for day in studied_days]
    # the legend gives the counts each colour stands for
    legend = page.locator("#year .legend li").all_text_contents()
    assert legend[0] == "0" and legend[-1].endswith("or more") and len(legend) == 5


def test_a_day_shows_its_count_on_hover_and_on_keyboard_focus(server, page):
    open_progress(server, page)
    _, dates, names = expected_year(server)
    page.locator(f'#year rect[data-date="{dates[100]}"]').hover()
    expect(page.locator("#year .tip")).to_have_text(names[100])
    page.mouse.move(0, 0)
    expect(page.locator("#year .tip")).to_be_hidden()
    page.locator("#year .numbers summary").focus()  # the next stop after the calendar is the toggle
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.dataset.date") == dates[-1]  # today takes the focus
    expect(page.locator("#year .tip")).to_have_text(names[-1])
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.dataset.date") == dates[-9]
    expect(page.locator("#year .tip")).to_have_text(names[-9])
    page.keyboard.press("Home")
    assert page.evaluate("document.activeElement.dataset.date") == dates[0]
    expect(page.locator("#year .tip")).to_have_text(names[0])  # below the day: the top row has no room above
    shot(page, "progress-keyboard")


def test_what_falls_due_is_the_forecast(server, page):
    open_progress(server, page)
    forecast = api(server, "GET", "/api/dashboard/forecast")
    rows = numbers(page, "#due-days")
    assert len(rows) == 30
    assert [(row[0][:10], row[1]) for row in rows] == [(day["date"], f"{day['due']:,}") for day in forecast["days"]]
    bars = page.locator("#due-days svg title").all_text_contents()
    assert bars == [f"{day['date']}: {day['due']} review{'s' if day['due'] != 1 else ''} due"
                    + (" (overdue included)" if n == 0 else "") for n, day in enumerate(forecast["days"]) if day["due"]]
    week = sum(day["due"] for day in forecast["days"][:7])
    assert page.locator("#due-days .summary").text_content().startswith(f"{week:,} review")
    assert [row[1] for row in numbers(page, "#due-hours")] == [f"{hour['due']:,}" for hour in forecast["hours"]]


def test_retention_weeks_are_the_apis(server, page):
    open_progress(server, page)
    retention = api(server, "GET", "/api/dashboard/retention")
    assert numbers(page, "#retention") == [
        [week["start"], f"{week['reviews']:,}", f"{week['correct']:,}",
         "–" if week["retention"] is None else f"{round(week['retention'] * 100)} %"] for week in retention["weeks"]]
    assert retention["reviews"] > 0
    summary = page.locator("#retention .summary").text_content()
    assert summary.startswith(f"{round(retention['retention'] * 100)} % of {retention['reviews']:,} answers")
    assert "desired retention is 90 %" in summary
    assert page.locator("#retention .reference-label").text_content() == "desired 90 %"


def test_each_group_has_its_bar_its_counts_and_its_activities(server, page):
    open_progress(server, page)
    groups = [group for group in api(server, "GET", "/api/dashboard/groups")["groups"] if group["word_count"]]
    items = page.locator("#groups .group")
    assert items.count() == len(groups)
    activities = api(server, "GET", "/api/study-activities")
    for n, group in enumerate(groups):
        item = items.nth(n)
        assert item.locator("strong").text_content() == group["name"]
        assert item.locator(".group-counts").text_content() == (
            f"{group['new']:,} new · {group['learning']:,} learning · {group['review']:,} in review"
            f" · {group['mature']:,} mature")
        assert [link.get_attribute("href") for link in item.locator(".group-links a").all()] == [
            f"{activity['launch_url']}?group_id={group['id']}" for activity in activities]
    assert sum(group["mature"] for group in groups) > 0 and sum(group["learning"] for group in groups) > 0
    assert page.evaluate("window.pwned") is None  # the markup group's name is text


def test_leeches_are_the_words_forgotten_most_each_with_a_session_to_study_it(server, page):
    open_progress(server, page)
    leeches = api(server, "GET", "/api/words/leeches?lapses=1&per_page=10")["words"]
    assert len(leeches) == 10
    flashcards = next(a for a in api(server, "GET", "/api/study-activities") if a["slug"] == "flashcards")
    items = page.locator("#leeches li")
    expect(items.first.locator(".leech-study")).to_be_visible()
    assert items.count() == 10
    for n, word in enumerate(leeches):
        item = items.nth(n)
        assert item.locator(".leech-kanji").text_content() == word["kanji"]
        assert item.locator(".leech-reading").text_content() == f"{word['kana']} {word['romaji']}"
        assert item.locator(".leech-english").text_content() == word["english"]
        assert item.locator(".leech-lapses").text_content() == \
            f"forgotten {word['schedule']['lapses']} time{'s' if word['schedule']['lapses'] != 1 else ''}"
        group = api(server, "GET", f"/api/words/{word['id']}")["word"]["groups"][0]
        assert item.locator(".leech-study").get_attribute("href") == \
            f"{flashcards['launch_url']}?group_id={group['id']}"
    items.first.locator(".leech-study").click()  # a session of that group starts
    expect(page.locator("#where")).to_contain_text("session")


def test_a_new_time_zone_moves_late_sessions_to_the_next_day(server, page):
    _, dates, _ = expected_year(server)
    late, after = dates[-1 - TZ_DAY], dates[-TZ_DAY]
    open_progress(server, page)
    cell = lambda date: page.locator(f'#year rect[data-date="{date}"]')  # noqa: E731
    assert "no reviews" not in cell(late).get_attribute("aria-label")
    assert cell(after).get_attribute("aria-label") == f"{after}: no reviews"
    moved = cell(late).get_attribute("aria-label").replace(late, after)
    api(server, "PATCH", "/api/me", {"time_zone": "Asia/Tokyo"})
    try:
        open_progress(server, page)
        assert cell(late).get_attribute("aria-label") == f"{late}: no reviews"
        assert cell(after).get_attribute("aria-label") == moved
        assert page.locator("#year figcaption").text_content().startswith("Reviews per day in Asia/Tokyo time")
        _, _, names = expected_year(server)
        assert sorted(cell.get_attribute("aria-label") for cell in page.locator("#year rect.day").all()) == names
    finally:
        api(server, "PATCH", "/api/me", {"time_zone": None})


def test_an_empty_history_says_so_and_offers_the_activities(server, browser):  # noqa: F811
    status, body = server.request("POST", "/api/learners", {"name": "newcomer"})
    assert status == 201, body
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"localStorage.setItem('lang-portal.token', {body['token']!r})")
    try:
        page = context.new_page()
        page.goto(f"{server.base}/activities/progress/")
        expect(page.locator('[data-screen="empty"]')).to_be_visible()
        assert page.locator('[data-screen="progress"]').is_hidden()
        activities = server.request("GET", "/api/study-activities", headers=bearer(body["token"]))[1]
        links = page.locator("#empty-activities a")
        assert [(link.text_content(), link.get_attribute("href")) for link in links.all()] == [
            (activity["title"], activity["launch_url"]) for activity in activities]
        shot(page, "progress-empty")
    finally:
        context.close()


def test_the_home_page_offers_the_activities_the_progress_and_the_document(server, page):
    page.goto(f"{server.base}/")
    expect(page.locator("#due-now")).to_have_text(re.compile(r"due|Nothing"))
    activities = api(server, "GET", "/api/study-activities")
    assert "Old Quiz" not in [activity["title"] for activity in activities]
    cards = page.locator("#activities li")
    assert [(card.locator(".activity-title").text_content(), card.locator("a").get_attribute("href"),
             card.locator("img").get_attribute("src"), card.locator(".activity-description").text_content())
            for card in cards.all()] == [
        (a["title"], a["launch_url"], a["preview_url"], a["description"]) for a in activities]
    due = api(server, "GET", "/api/dashboard/forecast")["due_now"]
    assert page.locator("#due-now").text_content() == f"{due:,} words are due for review now."
    assert page.locator('a[href="api/openapi.json"]').count() == 1
    assert all(card.locator("img").evaluate("img => img.naturalWidth > 0") for card in cards.all())
    shot(page, "home")
    page.locator("text=See your progress").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    assert page.url == f"{server.base}/activities/progress/"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 360])
def test_light_and_dark_wide_and_narrow_nothing_overflows(server, browser, width, scheme):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme,
                                  device_scale_factor=1)
    try:
        page = context.new_page()
        open_progress(server, page)
        # the page never scrolls sideways: only a chart's own box does, with its text whole in it
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        overflowing = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(element => {
            const box = element.getBoundingClientRect();
            return box.width > 0 && !element.closest('.drawing, .table-box') && box.right > window.innerWidth + 0.5;
        }).map(element => element.tagName + '.' + element.className)""")
        assert overflowing == []
        shot(page, f"progress-{width}-{scheme}")
        page.goto(f"{server.base}/")
        expect(page.locator("#due-now")).to_have_text(re.compile(r"due|Nothing"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"home-{width}-{scheme}")
    finally:
        context.close()


def test_the_page_is_small(server, page):
    """Its own files, as a browser loads them, within the budget (how soon it
    is drawn is measured by python -m bench.progress_page, not here)."""
    sizes = {}

    def note(response):
        if "/activities/" in response.url and response.request.resource_type in ("document", "script", "stylesheet"):
            sizes[response.url] = len(response.body())

    page.on("response", note)
    open_progress(server, page)
    assert set(sizes) >= {f"{server.base}/activities/progress/{name}"
                          for name in ("", "progress.js", "charts.js", "progress.css")}
    assert sum(sizes.values()) <= PAGE_BUDGET_BYTES, sizes


def test_asked_for_a_token_the_pages_sign_in_and_show_that_learners_own(signin_server, page):  # noqa: F811
    page.goto(f"{signin_server.base}/activities/progress/")
    expect(page.locator("#token")).to_be_focused()
    page.locator("#token").fill(signin_server.token)
    page.keyboard.press("Enter")
    expect(page.locator('[data-screen="empty"]')).to_be_visible()  # ann has studied nothing yet
    expect(page.locator("#learner-name")).to_have_text("Signed in as ann")
    page.goto(f"{signin_server.base}/")  # the token kept serves the home page too
    expect(page.locator("#due-now")).to_have_text("Nothing is due for review right now.")
    assert page.locator("#activities li").count() == 2
