"""The built-in activities in a real browser (Debian's Chromium through
Playwright), against the real server: what a learner sees and does, and what
the API stored from it. Screenshots of each screen go to tests/screenshots/."""
import os
import re
import shutil
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lib.core import clock
from lib.store.connection import connect, immediate
from lib.store.learners import add_learner, add_token
from lib.store.learners import new_token
from tests import moved_clock
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
DAY = 86400
RATING_NAMES = {1: "again", 2: "hard", 3: "good", 4: "easy"}
IN_CI = os.environ.get("CI") == "true"

if (sync_playwright is None or not os.path.exists(CHROMIUM)) and not IN_CI:
    pytest.skip("browser tests need Chromium and playwright: apt-get install chromium fonts-noto-cjk; make install-dev",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeded_template):
    path = tmp_path_factory.mktemp("browser") / "lang_portal.db"
    shutil.copy(seeded_template, path)
    conn = sqlite3.connect(path)
    with conn:  # vocabulary is user data: a group and a word whose texts are markup
        group_id = conn.execute("INSERT INTO groups (name) VALUES (?)", (MARKUP,)).lastrowid
        word_id = conn.execute("INSERT INTO words (kanji, romaji, english, parts) VALUES (?, ?, ?, ?)",
                               ("猫", "neko", MARKUP, '[{"kanji": "猫", "romaji": ["ne", "ko"]}]')).lastrowid
        conn.execute("INSERT INTO word_groups (word_id, group_id) VALUES (?, ?)", (word_id, group_id))
        # a group of one word, for a learner who has reviewed all of it
        reviewed_group = conn.execute("INSERT INTO groups (name) VALUES ('Reviewed')").lastrowid
        word_id = conn.execute("INSERT INTO words (kanji, kana, romaji, english, parts) VALUES (?, ?, ?, ?, ?)",
                               ("鷺", "さぎ", "sagi", "heron", '[{"kanji": "鷺", "romaji": ["sa", "gi"]}]')).lastrowid
        conn.execute("INSERT INTO word_groups (word_id, group_id) VALUES (?, ?)", (word_id, reviewed_group))
    conn.close()
    clock_file = path.parent / "clock"
    # The tests start far more words in one day than a learner's daily
    # allowance of new words, after which the due queue offers no new ones.
    live = LiveServer(path, workers=2, app="tests.moved_clock:create_app()",
                      env={"LANG_PORTAL_NEW_PER_DAY": "10000", "MOVED_CLOCK_FILE": str(clock_file)}).start()
    live.base = f"http://127.0.0.1:{live.port}"
    live.markup_group, live.reviewed_group = group_id, reviewed_group
    live.clock_file = clock_file
    yield live
    live.stop()


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory, seeded_template):
    """A server that answers no request without a token (as one serving
    several learners is set up), on its own copy of the database, where the
    learner ann has a token to study with: ``signin_server.token``."""
    path = tmp_path_factory.mktemp("signin") / "lang_portal.db"
    shutil.copy(seeded_template, path)
    token, secret_hash = new_token()
    conn = connect(str(path))
    try:
        with immediate(conn):
            ann = add_learner(conn, "ann", False, clock.now_iso())
            add_token(conn, ann, "browser", ("read", "review"), secret_hash, clock.now_iso())
    finally:
        conn.close()
    live = LiveServer(path, workers=1, env={"LANG_PORTAL_ANONYMOUS": "none"}, ready="/api/about").start()
    live.base = f"http://127.0.0.1:{live.port}"
    live.token, live.ann = token, ann
    yield live
    live.stop()


@contextmanager
def server_clock(server):
    """``move(seconds)`` sets the server's clock that far ahead of the real
    one (behind, if negative) until the block ends."""
    try:
        yield lambda seconds: moved_clock.move(server.clock_file, seconds)
    finally:
        moved_clock.move(server.clock_file, 0)


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
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
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


def stored_ratings(server, session_id):
    """(word_id, rating) of the session's review items, in the order stored.
    No route lists a session's review items: they are read from the file."""
    conn = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT word_id, rating FROM word_review_items WHERE study_session_id = ?"
                            " ORDER BY id", (session_id,)).fetchall()
    finally:
        conn.close()
    return [(word_id, RATING_NAMES[rating]) for word_id, rating in rows]


def stored_word(server, word_id):
    """A word's counts and its schedule's state, reps and lapses, as the API answers them."""
    word = api(server, "GET", f"/api/words/{word_id}")["word"]
    schedule = word["schedule"]
    return word["correct_count"], word["wrong_count"], (schedule["state"], schedule["reps"], schedule["lapses"])


def days_until(iso):
    return round((datetime.fromisoformat(iso) - datetime.now(timezone.utc)).total_seconds() / DAY)


def grade_labels(page):
    return {rating: page.locator(f'#grades [data-rating="{rating}"] .when').text_content()
            for rating in RATING_NAMES.values()}


def shown_kanji(page):
    return "".join(page.locator("#word .part-kanji").all_text_contents())


def accessibility_tree(page, selector):
    """The element as Chromium hands it to a screen reader: its node in the
    accessibility tree, and the tree's nodes by id, to walk below it."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node_id = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node_id, f"nothing matches {selector}"
        backend_id = cdp.send("DOM.describeNode", {"nodeId": node_id})["node"]["backendNodeId"]
        nodes = {node["nodeId"]: node for node in cdp.send("Accessibility.getFullAXTree")["nodes"]}
    finally:
        cdp.detach()
    return next(node for node in nodes.values() if node.get("backendDOMNodeId") == backend_id), nodes


def spoken_text(page, selector):
    """The texts a screen reader reads in the element, one space between them."""
    def texts(node):
        if node["role"]["value"] == "StaticText" and not node["ignored"]:
            yield node["name"]["value"].strip()
        for child in node.get("childIds", []):
            yield from texts(nodes[child])
    node, nodes = accessibility_tree(page, selector)
    return " ".join(texts(node))


def learnt_a_month_ago(server, group_id, word_ids):
    """Review ``word_ids`` Easy, 30 days ago: they are overdue now."""
    with server_clock(server) as move:
        move(-30 * DAY)
        session = api(server, "POST", "/api/study-sessions",
                      {"group_id": group_id, "study_activity_id": activity(server, "typing-tutor")["id"]})
        api(server, "POST", f"/api/study-sessions/{session['id']}/review",
            {"reviews": [{"word_id": word_id, "rating": "easy"} for word_id in word_ids]})


def test_typing_tutor_as_the_portal_launches_it(server, page):
    words = {word["kanji"]: word for word in api(server, "GET", "/api/groups/2/words/raw")["words"]}
    learnt = [word["id"] for word in words.values()][-3:]
    learnt_a_month_ago(server, 2, learnt)
    due = [word["id"] for word in api(server, "GET", "/api/groups/2/words/due?limit=10&new=0")["words"]]
    assert sorted(due) == sorted(learnt)
    page.clock.install()  # the pauses between words are run through, not waited for
    session_id = launch(server, page, "typing-tutor", 2)
    answers = []  # (word, right?) in the order given
    for number in range(10):
        expect(page.locator("#progress")).to_have_text(
            f"Word {number + 1} of 10{' · due for review' if number < 3 else ''}")
        assert page.evaluate("document.activeElement.id") == "answer"  # type at once
        word = words[shown_kanji(page)]
        right = number % 3 != 1
        if number == 0:  # part by part: the first part turns green, the next is the one to type
            page.keyboard.type("".join(word["parts"][0]["romaji"]))
            classes = page.locator("#word .part").evaluate_all("parts => parts.map(p => p.className)")
            assert "done" in classes[0] and (len(classes) == 1 or "current" in classes[1])
            # not by its colour alone: a mark to see, words for a screen reader
            first = word["parts"][0]
            kana = page.evaluate("part => import('/activities/shared/reading.js').then(m => m.partKana(part))", first)
            assert page.locator("#word .part-mark").all_text_contents() == ["✓"]
            assert spoken_text(page, "#word .part") == f"{first['kanji']} right: {kana} {''.join(first['romaji'])}"
            screenshot(page, "typing-tutor-typing")
            page.keyboard.type(word["romaji"][len("".join(word["parts"][0]["romaji"])):])
            page.keyboard.type("x")
            expect(page.locator("#feedback")).to_have_text("That is longer than the reading.")
            page.keyboard.press("Backspace")
        elif number == 3:  # in kana, as an input method types it
            page.keyboard.insert_text(page.evaluate(
                "word => import('/activities/shared/reading.js').then(m => m.kanaOf(word))", word))
        elif right:  # another common spelling of the same kana
            page.keyboard.type(word["romaji"].replace("shi", "si").replace("ou", "oo").replace("tsu", "tu"))
        else:
            page.keyboard.type("zzz")
            expect(page.locator("#feedback")).to_have_text(
                f"That does not fit the reading of {word['parts'][0]['kanji']}.")
        page.keyboard.press("Enter")
        if right:
            page.clock.run_for(1000)
        else:
            page.clock.run_for(500 * len(word["parts"]))
            expect(page.locator("#next")).to_be_focused()
            assert page.locator("#word .part.revealed").count() == len(word["parts"])
            assert page.locator("#word .part-mark").all_text_contents() == ["✗"] * len(word["parts"])
            assert spoken_text(page, "#word").count("wrong:") == len(word["parts"])
            if number == 1:
                screenshot(page, "typing-tutor-wrong")
            page.keyboard.press("Enter")
        answers.append((word["id"], right))
    page.wait_for_selector("#score")
    assert page.locator("#score").text_content() == "7 of 10 right"
    screenshot(page, "typing-tutor-end")
    # the due words first, most overdue first; then the rest of the group, each once
    shown = [word_id for word_id, _ in answers]
    assert shown[:3] == due and len(set(shown)) == 10
    assert stored_ratings(server, session_id) == [(word_id, "good" if right else "again")
                                                  for word_id, right in answers]
    assert session_counts(server, session_id) == (10, {word_id: (int(right), int(not right))
                                                       for word_id, right in answers})
    # a word learnt earlier is in review: wrong is a lapse, into relearning
    assert [stored_word(server, word_id) for word_id, _ in answers[:3]] == [
        (2, 0, ("review", 2, 0)), (1, 1, ("relearning", 2, 1)), (2, 0, ("review", 2, 0))]
    # a new word is learning, right or wrong
    assert [stored_word(server, word_id) for word_id, _ in answers[3:]] == [
        (int(right), int(not right), ("learning", 1, 0)) for _, right in answers[3:]]


def test_flashcards_as_the_portal_launches_them(server, page):
    words = {word["kanji"]: word for word in api(server, "GET", "/api/groups/3/words/raw")["words"]}
    queue = {word["id"]: word for word in api(server, "GET", "/api/groups/3/words/due?limit=20&new=10")["words"]}
    page.clock.install()  # a card graded Again comes back a minute later: the test moves the clocks
    session_id = launch(server, page, "flashcards", 3)
    keys = {}
    with server_clock(server) as move_server_clock:
        for number in range(10):
            page.wait_for_selector("#back", state="hidden")
            expect(page.locator("#progress")).to_have_text(re.compile(f"^{10 - number} left"))
            word = words[page.locator("#kanji").text_content()]
            if number == 0:
                screenshot(page, "flashcards-front")
                # the learner thinks for half a minute: the labels hold, and the
                # card graded Again is due a minute after the grade, not the queue
                move_server_clock(30)
                page.clock.fast_forward(30_000)
            page.keyboard.press("Space")
            assert page.locator("#english").text_content() == word["english"]
            assert page.locator("#romaji").text_content() == word["romaji"]
            # a new word: back in FSRS's learning steps, or (Easy) in days
            easy = f"{days_until(queue[word['id']]['next_due']['easy'])} d"
            assert grade_labels(page) == {"again": "1 min", "hard": "6 min", "good": "10 min", "easy": easy}
            if number == 0:
                screenshot(page, "flashcards-back")
            key = "1" if number == 0 else "2" if number == 1 else "4" if number == 2 else "3"
            page.keyboard.press(key)
            keys[word["id"]] = key
        page.wait_for_selector("#wait-message:visible")
        assert re.fullmatch(r"1 card comes back in this round: the next in (1 min|< 1 min)\.",
                            page.locator("#wait-message").text_content())
        screenshot(page, "flashcards-wait")
        again = next(word_id for word_id, key in keys.items() if key == "1")
        # It comes back at its new due time, as stored by the API, not before.
        due = datetime.fromisoformat(api(server, "GET", f"/api/words/{again}")["word"]["schedule"]["due"])
        due_in_ms = due.timestamp() * 1000 - page.evaluate("Date.now()")
        move_server_clock(30 + (due_in_ms + 2000) / 1000)  # where the page's clock will be
        page.clock.fast_forward(int(due_in_ms) - 2000)
        page.clock.run_for(1000)  # the wait screen looks again each second
        expect(page.locator("#wait-message")).to_be_visible()
        expect(page.locator("#wait-message")).to_have_text("1 card comes back in this round: the next in < 1 min.")
        page.clock.fast_forward(3000)
        page.wait_for_selector("#kanji:visible")
        assert words[page.locator("#kanji").text_content()]["id"] == again
        page.keyboard.press("Space")
        assert grade_labels(page)["again"] == "1 min" and grade_labels(page)["good"] == "10 min"
        page.keyboard.press("3")
        page.wait_for_selector("#score:visible")
    assert page.locator("#score").text_content() == "You reviewed 11 cards"
    assert page.locator("#tally").text_content() == "Again: 1Hard: 1Good: 8Easy: 1"
    screenshot(page, "flashcards-end")
    names = {"1": "again", "2": "hard", "3": "good", "4": "easy"}
    assert stored_ratings(server, session_id) == [(word_id, names[key]) for word_id, key in keys.items()] + [
        (again, "good")]
    expected = {word_id: (int(key != "1"), int(key == "1")) for word_id, key in keys.items()}
    expected[again] = (1, 1)
    assert session_counts(server, session_id) == (11, expected)
    states = {"1": ("learning", 2, 0), "2": ("learning", 1, 0), "3": ("learning", 1, 0), "4": ("review", 1, 0)}
    assert {word_id: stored_word(server, word_id) for word_id in keys} == {
        word_id: (*expected[word_id], states[key]) for word_id, key in keys.items()}


def test_a_screen_reader_says_the_revealed_answer_and_good_has_the_focus(server, page):
    launch(server, page, "flashcards", 6)
    page.wait_for_selector("#show:visible")
    # A region is spoken when its content changes, not when it appears with it:
    # it is in the accessibility tree before the answer is revealed in it.
    region = '[aria-live]:has(> #back)'
    before, _ = accessibility_tree(page, region)
    assert not before["ignored"] and {"name": "live", "value": {"type": "token", "value": "polite"}} \
        in before["properties"]
    page.keyboard.press("Space")
    expect(page.locator(f"{region} #english")).to_be_visible()
    assert page.locator("#english").text_content() in spoken_text(page, region)
    # Good has the focus, its wait in its name: Space or Enter grades it, 1-4 any grade
    expect(page.locator('#grades [data-rating="good"]')).to_be_focused()
    expect(page.locator('#grades [data-rating="good"]')).to_have_accessible_name(re.compile(r"^good, back in \d+ min$"))
    # Nothing in the region changes while it is shown, or the answer would be said again:
    # grading hides it first, and only then is the next card's answer put in.
    page.evaluate("""region => {
        window.regionChanges = [];
        new MutationObserver((records) => window.regionChanges.push(...records.map(
            (record) => record.type === "attributes" ? `${record.target.id} ${record.attributeName}` : record.type)))
          .observe(document.querySelector(region), {subtree: true, childList: true, characterData: true, attributes: true});
    }""", region)
    page.keyboard.press("2")
    expect(page.locator("#show")).to_be_focused()
    assert page.evaluate("window.regionChanges[0]") == "back hidden"


def test_with_nothing_due_it_says_when_the_next_word_is_due(server, page):
    group_id = server.reviewed_group
    (word,) = api(server, "GET", f"/api/groups/{group_id}/words/raw")["words"]
    session = api(server, "POST", "/api/study-sessions",
                  {"group_id": group_id, "study_activity_id": activity(server, "flashcards")["id"]})
    api(server, "POST", f"/api/study-sessions/{session['id']}/review",
        {"reviews": [{"word_id": word["id"], "rating": "easy"}]})
    next_due_at = api(server, "GET", f"/api/groups/{group_id}/words/due")["next_due_at"]
    page.goto(f"{activity(server, 'flashcards')['launch_url']}?group_id={group_id}&session_id={session['id']}")
    page.wait_for_selector("#next-due-message:visible")
    when = page.evaluate("iso => import('/activities/flashcards/flashcards.js').then("
                         "m => new Date(iso).toLocaleString(undefined, m.DATE_AND_TIME))", next_due_at)
    assert page.locator("#next-due-message").text_content() == \
        f"The next word of Reviewed is due in {days_until(next_due_at)} d ({when})."
    expect(page.locator("#check-again")).to_be_focused()
    screenshot(page, "flashcards-nothing-due")


@pytest.mark.parametrize("slug, name, studying", [("typing-tutor", "Typing Tutor", "#answer:focus"),
                                                  ("flashcards", "Flashcards", "#show:visible")])
def test_opened_without_a_session_it_offers_the_groups_and_starts_one(server, page, slug, name, studying):
    page.goto(f"{server.base}/activities/{slug}/")
    page.wait_for_selector("#group:focus")
    screenshot(page, f"{slug}-choose")
    page.keyboard.press("ArrowDown")  # the second group by name, with the keyboard alone
    chosen = page.locator("#group").input_value()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(studying)
    session_id = int(page.evaluate("new URLSearchParams(location.search).get('session_id')"))
    session = api(server, "GET", f"/api/study-sessions/{session_id}")["session"]
    assert (session["group_id"], session["activity_name"]) == (int(chosen), name)
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


@pytest.mark.parametrize("slug", ["flashcards", "typing-tutor"])
def test_an_answer_not_stored_is_sent_again_under_its_key_on_try_again(server, page, slug):
    def unavailable(route):
        route.fulfill(status=503, json={"error": "Try again in a moment."})

    keys = []
    page.on("request", lambda request: keys.append(request.headers.get("idempotency-key"))
            if request.url.endswith("/review") else None)
    page.route("**/api/study-sessions/*/review", unavailable)
    session_id = launch(server, page, slug, 5)
    # JLPT N5 has words written alike (kanji) that mean different things
    words = {(word["kanji"], word["english"]): word for word in api(server, "GET", "/api/groups/5/words/raw")["words"]}
    if slug == "flashcards":
        page.wait_for_selector("#show:visible")
        left = int(page.locator("#progress").text_content().split()[0])
        page.keyboard.press("Space")
        expect(page.locator("#english")).to_be_visible()
        word = words[page.locator("#kanji").text_content(), page.locator("#english").text_content()]
        rating = "good"
        page.keyboard.press("3")
    else:
        page.wait_for_selector("#answer:focus")
        word, rating = words[shown_kanji(page), page.locator("#english").text_content()], "again"
        page.keyboard.type("zzz")
        page.keyboard.press("Enter")
        expect(page.locator("#next")).to_be_focused()
        page.keyboard.press("Enter")  # the answer is reported as not stored when the learner moves on
    expect(page.locator("#error-message")).to_have_text(
        "The server could not answer (error 503). Try again in a moment.")
    assert len(keys) == 3  # the first post and the two the API module tries again by itself
    page.unroute("**/api/study-sessions/*/review", unavailable)
    page.keyboard.press("Enter")  # Try again has the focus
    expect(page.locator("#progress")).to_have_text(
        re.compile(f"^{left - 1} left" if slug == "flashcards" else "^Word 2 of 10"))
    assert len(keys) == 4 and len(set(keys)) == 1
    assert stored_ratings(server, session_id) == [(word["id"], rating)]


@pytest.mark.parametrize("query, message", [
    ("group_id=999999", "Group 999999 does not exist."),
    ("group_id=1&session_id=999999", "Study session 999999 does not exist."),
    ("group_id=abc", "The address gives group_id as “abc”, which is not a positive whole number."),
])
def test_an_unknown_group_or_session_says_so(server, page, query, message):
    page.goto(f"{server.base}/activities/typing-tutor/?{query}")
    page.wait_for_selector("#error-message:visible")
    assert page.locator("#error-message").text_content() == message


def test_a_session_of_another_activity_is_refused(server, page):
    status, body = server.request("POST", "/api/study-sessions", {"group_id": 1, "study_activity_id": 2})
    assert status == 201
    page.goto(f"{server.base}/activities/typing-tutor/?group_id=1&session_id={body['id']}")
    page.wait_for_selector("#error-message:visible")
    assert page.locator("#error-message").text_content() == (
        f"Study session {body['id']} is a session of Flashcards, not of Typing Tutor.")


def test_word_text_is_shown_as_text_and_never_runs(server, page):
    launch(server, page, "flashcards", server.markup_group)
    page.wait_for_selector("#show:visible")
    page.keyboard.press("Space")
    assert page.locator("#english").text_content() == MARKUP
    assert MARKUP in page.locator("#where").text_content()
    assert page.locator("img").count() == 0  # the CSP would stop it running: it must not even be parsed
    launch(server, page, "typing-tutor", server.markup_group)
    page.wait_for_selector("#answer:focus")
    assert page.locator("#english").text_content() == MARKUP
    assert MARKUP in page.locator("#where").text_content()
    assert page.locator("img").count() == 0


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


DURATIONS = [  # (ms, label): a wait measured in the page is a little short of the API's
    (0, "now"), (20_000, "< 1 min"), (59_300, "1 min"), (329_200, "6 min"), (599_000, "10 min"),
    (3 * 3600_000, "3 h"), (86_399_000, "1 d"), (4 * 86400_000, "4 d"), (45 * 86400_000, "1.5 mo"),
    (400 * 86400_000, "1.1 y"),
]


def test_the_grades_say_when_a_word_comes_back_in_short(server, page):
    page.goto(f"{server.base}/activities/flashcards/")
    labels = page.evaluate("durations => import('/activities/flashcards/flashcards.js').then("
                           "m => durations.map(ms => m.shortDuration(ms)))", [ms for ms, _ in DURATIONS])
    assert labels == [label for _, label in DURATIONS]


def contrast(first, second):
    """WCAG contrast ratio of two CSS colours given as rgb(r, g, b)."""
    def luminance(css):
        channels = [int(value) / 255 for value in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted([luminance(first), luminance(second)], reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_stands_out_and_the_answer_box_names_the_word(server, browser, scheme):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, color_scheme=scheme)
    page = context.new_page()
    try:
        launch(server, page, "typing-tutor", 7)
        page.wait_for_selector("#answer:focus")
        style, width, ring = page.evaluate(
            "[...['outlineStyle', 'outlineWidth', 'outlineColor'].map(p => getComputedStyle(document.activeElement)[p])]")
        assert style == "solid" and float(width.removesuffix("px")) >= 2
        # the answer box sits on the page; the activities' buttons sit on cards too
        for behind in ("document.body", "document.querySelector('.card')"):
            colour = page.evaluate(f"getComputedStyle({behind}).backgroundColor")
            assert contrast(ring, colour) >= 3, (scheme, behind, ring, colour)
        # a screen reader announces the word and its English with the answer box
        english = page.locator("#english").text_content()
        expect(page.locator("#answer")).to_have_accessible_description(
            re.compile(r"\s*".join(map(re.escape, shown_kanji(page))) + r"\s+" + re.escape(english)))
        screenshot(page, f"typing-tutor-focus-{scheme}")
    finally:
        context.close()


def test_served_under_a_path_behind_a_proxy_every_call_stays_under_it(server, page):
    # The page is asked for under /portal/, and the proxy (this route) hands
    # the server what is under it; anything the page asks outside it fails.
    # (The redirect to a folder's slash is relative: see test_activity_pages.)
    outside = []

    def proxy(route):
        path = urlsplit(route.request.url).path
        if not path.startswith("/portal/"):
            outside.append(path)
            return route.abort()
        # fetched here and answered as from the asked URL, as a proxy answers
        answer = route.fetch(url=route.request.url.replace("/portal/", "/", 1), max_redirects=0)
        return route.fulfill(response=answer)

    page.route(f"{server.base}/**", proxy)
    session = api(server, "POST", "/api/study-sessions",
                  {"group_id": 7, "study_activity_id": activity(server, "typing-tutor")["id"]})
    page.goto(f"{server.base}/portal/activities/typing-tutor/?group_id=7&session_id={session['id']}")
    page.wait_for_selector("#answer:focus")
    assert shown_kanji(page)
    assert outside == []


NOT_ACCEPTED = "That token was not accepted: it is mistyped, or it was revoked. Paste it again, or ask for a new one."


def reviews_by_learner(server):
    conn = sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT learner_id, count(*) FROM word_review_items GROUP BY learner_id"))
    finally:
        conn.close()


def sign_in(page, token):
    page.wait_for_selector("#token:focus")
    page.keyboard.insert_text(token)  # as a paste types it
    page.keyboard.press("Enter")


def test_signed_out_it_asks_for_a_token_then_studies_as_that_learner(signin_server, page):
    token = signin_server.token
    sent = []  # (url, Authorization header) of every call to the API
    page.on("request", lambda request: sent.append((request.url, request.headers.get("authorization")))
            if "/api/" in request.url else None)
    said = []
    page.on("console", lambda message: said.append(message.text))
    page.goto(f"{signin_server.base}/activities/flashcards/?group_id=3")
    # the form, and nobody signed in
    page.wait_for_selector("#token:focus")
    expect(page.locator("#token")).to_have_attribute("type", "password")
    expect(page.locator("#token")).to_have_attribute("autocomplete", "off")
    expect(page.locator("#token")).to_have_accessible_name("Your token")
    expect(page.locator("#sign-in-problem")).to_be_hidden()
    expect(page.locator("#account")).to_be_hidden()
    screenshot(page, "sign-in")
    assert sent and [authorization for _, authorization in sent] == [None] * len(sent)
    signed_out = len(sent)
    sign_in(page, token)
    # on with what the page was doing: a session for the group, for ann
    page.wait_for_selector("#show:visible")
    expect(page.locator("#learner-name")).to_have_text("Signed in as ann")
    expect(page.locator("#sign-out")).to_be_visible()
    screenshot(page, "sign-in-studying")
    for _ in range(3):
        page.wait_for_selector("#show:visible")
        page.keyboard.press("Space")
        page.keyboard.press("3")
    expect(page.locator("#progress")).to_have_text(re.compile("^7 left"))
    assert reviews_by_learner(signin_server) == {signin_server.ann: 3}
    # kept for a reload, and sent on every call, in its header alone
    page.reload()
    page.wait_for_selector("#show:visible")
    expect(page.locator("#learner-name")).to_have_text("Signed in as ann")
    assert [authorization for _, authorization in sent[signed_out:]] == [f"Bearer {token}"] * len(sent[signed_out:])
    assert any(url.endswith("/review") for url, _ in sent[signed_out:])
    assert not any(token in url for url, _ in sent) and token not in page.url
    assert token not in page.locator("body").inner_text() and token not in page.content()
    assert not any(token in text for text in said)
    # signing out forgets it: the form again, with nothing of ann's
    page.locator("#sign-out").click()
    page.wait_for_selector("#token:focus")
    expect(page.locator("#sign-in-problem")).to_be_hidden()
    expect(page.locator("#account")).to_be_hidden()
    assert "session_id" not in page.url
    assert token not in page.evaluate("JSON.stringify(localStorage)")
    screenshot(page, "sign-in-signed-out")


def test_a_token_not_accepted_brings_the_form_back_with_a_sentence(signin_server, page):
    page.emulate_media(color_scheme="dark")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/api/" in request.url else None)
    page.goto(f"{signin_server.base}/activities/typing-tutor/")
    unknown, _ = new_token()
    sign_in(page, unknown)
    page.wait_for_selector("#sign-in-problem:visible")
    assert page.locator("#sign-in-problem").text_content() == NOT_ACCEPTED
    expect(page.locator("#token")).to_be_focused()
    expect(page.locator("#token")).to_have_value("")
    expect(page.locator("#token")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#token")).to_have_accessible_description(re.compile("^" + re.escape(NOT_ACCEPTED)))
    expect(page.locator("#account")).to_be_hidden()
    assert unknown not in page.locator("body").inner_text()
    screenshot(page, "sign-in-not-accepted-dark")
    # what cannot be a token is not sent at all
    asked = len(sent)
    sign_in(page, "lp_half of it")
    expect(page.locator("#sign-in-problem")).to_have_text(
        "That is not a whole token: paste it as you were given it, in one piece (it starts with lp_).")
    page.keyboard.press("Enter")
    expect(page.locator("#sign-in-problem")).to_have_text("Paste your token in the box, then sign in.")
    assert len(sent) == asked
    sign_in(page, signin_server.token)
    page.wait_for_selector("#group:focus")
    expect(page.locator("#sign-out")).to_be_visible()


def test_on_a_phone_sign_in_fits_and_without_api_me_only_the_name_is_left_out(signin_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.route("**/api/me", lambda route: route.fulfill(status=404, json={"error": "There is nothing at this URL."}))
        page.goto(f"{signin_server.base}/activities/typing-tutor/?group_id=4")
        page.wait_for_selector("#token:visible")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "sign-in-phone")
        page.locator("#token").fill(signin_server.token)
        page.locator("#sign-in-form button[type=submit]").tap()
        page.wait_for_selector("#answer:visible")
        expect(page.locator("#sign-out")).to_be_visible()
        expect(page.locator("#learner-name")).to_have_text("")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "sign-in-phone-studying")
    finally:
        context.close()
