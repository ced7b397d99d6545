"""The built-in activities in a real browser (Debian's Chromium through
Playwright), against the real server: what a learner sees and does, and what
the API stored from it. Screenshots of each screen go to tests/screenshots/."""
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.live_server import LiveServer

try:
    from playwright.sync_api import Error as BrowserError, expect, sync_playwright
except ImportError:  # without the dev requirements: skipped below
    BrowserError = expect = sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MARKUP = '<img src=x onerror="window.pwned=1">'
IN_CI = os.environ.get("CI") == "true"

if (sync_playwright is None or not os.path.exists(CHROMIUM)) and not IN_CI:
    pytest.skip("browser tests need Chromium and playwright: apt-get install chromium fonts-noto-cjk; make install-dev",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeded_template):
    path = tmp_path_factory.mktemp("browser") / "lang_portal.db"
    shutil.copy(seeded_template, path)
    conn = sqlite3.connect(path)
    with conn:  # vocabulary is user data: a word whose English is markup
        group_id = conn.execute("INSERT INTO groups (name) VALUES ('Markup')").lastrowid
        word_id = conn.execute("INSERT INTO words (kanji, romaji, english, parts) VALUES (?, ?, ?, ?)",
                               ("猫", "neko", MARKUP, '[{"kanji": "猫", "romaji": ["ne", "ko"]}]')).lastrowid
        conn.execute("INSERT INTO word_groups (word_id, group_id) VALUES (?, ?)", (word_id, group_id))
    conn.close()
    # The tests start far more words in one day than a learner's daily
    # allowance of new words, after which the due queue offers no new ones.
    live = LiveServer(path, workers=2, env={"LANG_PORTAL_NEW_PER_DAY": "10000"}).start()
    live.base = f"http://127.0.0.1:{live.port}"
    live.markup_group = group_id
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except BrowserError as error:
            message = f"Chromium did not start ({error}): apt-get install chromium fonts-noto-cjk"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 720}, locale="en-GB")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
    assert page.errors == []


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def api(server, method, path, body=None):
    status, data = server.request(method, path, body)
    assert 200 <= status < 300, (method, path, status, data)
    return data


def activity(server, slug):
    return next(a for a in api(server, "GET", "/api/study-activities") if a["slug"] == slug)


def launch(server, page, slug, group_id):
    """Open an activity as the portal does: a new session, then its launch URL."""
    session = api(server, "POST", "/api/study-sessions",
                  {"group_id": group_id, "study_activity_id": activity(server, slug)["id"]})
    page.goto(f"{activity(server, slug)['launch_url']}?group_id={group_id}&session_id={session['id']}")
    return session["id"]


def session_counts(server, session_id):
    body = api(server, "GET", f"/api/study-sessions/{session_id}?per_page=100")
    return body["session"]["review_items_count"], {
        word["id"]: (word["correct_count"], word["wrong_count"]) for word in body["words"]}


def shown_kanji(page):
    return "".join(page.locator("#word .part-kanji").all_text_contents())


def test_typing_tutor_as_the_portal_launches_it(server, page):
    words = {word["kanji"]: word for word in api(server, "GET", "/api/groups/2/words/raw")["words"]}
    session_id = launch(server, page, "typing-tutor", 2)
    expected = {}
    for number in range(10):
        expect(page.locator("#progress")).to_have_text(f"Word {number + 1} of 10")
        assert page.evaluate("document.activeElement.id") == "answer"  # type at once
        word = words[shown_kanji(page)]
        right = number % 3 != 1
        if number == 0:  # part by part: the first part turns green, the next is the one to type
            page.keyboard.type("".join(word["parts"][0]["romaji"]))
            classes = page.locator("#word .part").evaluate_all("parts => parts.map(p => p.className)")
            assert "done" in classes[0] and (len(classes) == 1 or "current" in classes[1])
            screenshot(page, "typing-tutor-typing")
            page.keyboard.type(word["romaji"][len("".join(word["parts"][0]["romaji"])):])
        elif number == 3:  # in kana, as an input method types it
            page.keyboard.insert_text(page.evaluate(
                "word => import('/activities/shared/reading.js').then(m => m.kanaOf(word))", word))
        elif right:  # another common spelling of the same kana
            page.keyboard.type(word["romaji"].replace("shi", "si").replace("ou", "oo").replace("tsu", "tu"))
        else:
            page.keyboard.type("zzz")
        page.keyboard.press("Enter")
        if not right:
            expect(page.locator("#next")).to_be_focused()
            assert page.locator("#word .part.revealed").count() == len(word["parts"])
            if number == 1:
                screenshot(page, "typing-tutor-wrong")
            page.keyboard.press("Enter")
        correct, wrong = expected.get(word["id"], (0, 0))
        expected[word["id"]] = (correct + right, wrong + (not right))
    page.wait_for_selector("#score")
    assert page.locator("#score").text_content() == "7 of 10 right"
    screenshot(page, "typing-tutor-end")
    assert session_counts(server, session_id) == (10, expected)
    for word_id, (correct, wrong) in expected.items():
        stored = api(server, "GET", f"/api/words/{word_id}")["word"]
        assert (stored["correct_count"], stored["wrong_count"]) == (correct, wrong)
        if "schedule" in stored:  # kept by the API's spaced repetition, where it has it
            assert stored["schedule"]["reps"] == correct + wrong


def test_flashcards_as_the_portal_launches_them(server, page):
    words = {word["kanji"]: word for word in api(server, "GET", "/api/groups/3/words/raw")["words"]}
    page.clock.install()  # a card graded Again comes back a minute later: the test moves the clock
    session_id = launch(server, page, "flashcards", 3)
    grades = {}
    for number in range(10):
        page.wait_for_selector("#back", state="hidden")
        expect(page.locator("#progress")).to_have_text(re.compile(f"^{10 - number} left"))
        word = words[page.locator("#kanji").text_content()]
        if number == 0:
            screenshot(page, "flashcards-front")
        page.keyboard.press("Space")
        assert page.locator("#english").text_content() == word["english"]
        assert page.locator("#romaji").text_content() == word["romaji"]
        if number == 0:
            screenshot(page, "flashcards-back")
        key = "1" if number == 0 else "2" if number == 1 else "4" if number == 2 else "3"
        page.keyboard.press(key)
        grades[word["id"]] = key
    page.wait_for_selector("#wait-message:visible")
    assert page.locator("#wait-message").text_content().startswith("1 card comes back in this round")
    screenshot(page, "flashcards-wait")
    page.clock.fast_forward("01:05")
    page.wait_for_selector("#kanji:visible")
    again = words[page.locator("#kanji").text_content()]
    assert grades[again["id"]] == "1"
    page.keyboard.press("Space")
    page.keyboard.press("3")
    page.wait_for_selector("#score:visible")
    assert page.locator("#score").text_content() == "You reviewed 11 cards"
    assert page.locator("#tally").text_content() == "Again: 1Hard: 1Good: 8Easy: 1"
    screenshot(page, "flashcards-end")
    expected = {word_id: (int(key != "1"), int(key == "1")) for word_id, key in grades.items()}
    expected[again["id"]] = (1, 1)
    assert session_counts(server, session_id) == (11, expected)


def test_opened_without_a_session_it_offers_the_groups_and_starts_one(server, page):
    page.goto(f"{server.base}/activities/typing-tutor/")
    page.wait_for_selector("#group:focus")
    screenshot(page, "typing-tutor-choose")
    page.keyboard.press("ArrowDown")  # the second group by name, with the keyboard alone
    chosen = page.locator("#group").input_value()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:focus")
    session_id = int(page.evaluate("new URLSearchParams(location.search).get('session_id')"))
    session = api(server, "GET", f"/api/study-sessions/{session_id}")["session"]
    assert (session["group_id"], session["activity_name"]) == (int(chosen), "Typing Tutor")
    assert page.locator("#where").text_content() == f"{session['group_name']} · session {session_id}"


def test_an_api_answering_500_gets_a_message_and_a_retry(server, page):
    def broken(route):
        route.fulfill(status=500, json={"error": "Internal server error."})

    page.route("**/api/**", broken)
    launch(server, page, "flashcards", 4)
    page.wait_for_selector("#error-message:visible")
    assert page.locator("#error-message").text_content() == \
        "The server could not answer (error 500). Internal server error."
    screenshot(page, "flashcards-error")
    page.unroute("**/api/**", broken)
    page.keyboard.press("Enter")  # Try again has the focus
    page.wait_for_selector("#show:visible")


@pytest.mark.parametrize("query, message", [
    ("group_id=999999", "Group 999999 does not exist."),
    ("group_id=1&session_id=999999", "Study session 999999 does not exist."),
    ("group_id=abc", "The address gives group_id as “abc”, which is not a positive whole number."),
])
def test_an_unknown_group_or_session_says_so(server, page, query, message):
    page.goto(f"{server.base}/activities/typing-tutor/?{query}")
    page.wait_for_selector("#error-message:visible")
    assert page.locator("#error-message").text_content() == message


def test_word_text_is_shown_as_text_and_never_runs(server, page):
    launch(server, page, "flashcards", server.markup_group)
    page.wait_for_selector("#show:visible")
    page.keyboard.press("Space")
    assert page.locator("#english").text_content() == MARKUP
    assert page.locator("img").count() == 0
    launch(server, page, "typing-tutor", server.markup_group)
    page.wait_for_selector("#answer:focus")
    assert page.locator("#english").text_content() == MARKUP
    assert page.evaluate("window.pwned") is None


@pytest.mark.parametrize("slug", ["typing-tutor", "flashcards"])
def test_a_phone_sized_window_needs_no_sideways_scrolling(server, browser, slug):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        launch(server, page, slug, 7)
        page.wait_for_selector("#answer:visible" if slug == "typing-tutor" else "#show:visible")
        if slug == "flashcards":
            page.locator("#show").tap()
            page.wait_for_selector("#grades:visible")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, f"{slug}-phone")
    finally:
        context.close()


READINGS = [  # (parts, typed, right?)
    ([["食", ["ta"]], ["べ", ["be"]], ["る", ["ru"]]], ["taberu", "たべる", "タベル", " Taberu "], ["tabe", "tabero"]),
    ([["学", ["ga", "k"]], ["校", ["ko", "u"]]], ["gakkou", "gakkoo", "gakkō", "がっこう", "gakko-"], ["gakou", "gakko"]),
    ([["駐", ["chu", "u"]], ["車", ["sha"]], ["場", ["jo", "u"]]],
     ["chuushajou", "tyuusyazyou", "chūshajō", "ちゅうしゃじょう"], ["chushajo"]),
    ([["三", ["mi", "t"]], ["つ", ["tsu"]]], ["mittsu", "mittu", "みっつ"], ["mitsu"]),
    ([["お", ["o"]], ["茶", ["cha"]]], ["ocha", "otya", "おちゃ"], ["oca"]),
    ([["四", ["yo", "n"]]], ["yon", "yonn", "よん"], ["yo"]),
    ([["先", ["se", "n"]], ["生", ["se", "i"]]], ["sensei", "sensee", "sensē", "sennsei"], ["sesei"]),
    ([["地", ["chi"]], ["図", ["zu"]]], ["chizu", "tizu", "ちず"], ["chidu"]),
    ([["橋", ["ha", "shi"]]], ["hashi", "hasi", "はし"], ["hashii"]),
    ([["船", ["fu", "ne"]]], ["fune", "hune"], ["pune"]),
]


def test_every_common_spelling_of_a_reading_is_right(server, page):
    page.goto(f"{server.base}/activities/typing-tutor/")
    results = page.evaluate("""cases => import('/activities/shared/reading.js').then(m => cases.map(
        ([parts, right, wrong]) => {
            const word = {parts: parts.map(([kanji, romaji]) => ({kanji, romaji}))};
            const units = m.readingUnits(word);
            return [right.filter(t => !m.isRight(word, units, t)), wrong.filter(t => m.isRight(word, units, t))];
        }))""", READINGS)
    assert results == [[[], []]] * len(READINGS)
