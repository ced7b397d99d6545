"""Take the activities' preview pictures (activities/<slug>/preview.png), the
ones the portal shows on its launchpad and the README shows: a real screenshot
of each activity against the real server, Japanese text rendered.

    .venv/bin/python -m tests.make_previews    # needs chromium and fonts-noto-cjk
"""
import shutil
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from lib.startup import init_database
from lib.store import seed
from tests.live_server import LiveServer
from tests.test_activities_browser import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 640, "height": 640}


def main():
    folder = Path(tempfile.mkdtemp())
    init_database(str(folder / "preview.db"), str(seed.SEED_DIR))
    server = LiveServer(folder / "preview.db", workers=1).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=VIEWPORT)
            words = {word["kanji"]: word for word in server.request("GET", "/api/groups/3/words/raw")[1]["words"]}
            for _ in range(20):  # a word of several parts, to show one turning green
                page.goto(f"{base}/activities/typing-tutor/?group_id=3")
                expect(page.locator("#answer")).to_be_focused()
                word = words["".join(page.locator("#word .part-kanji").all_text_contents())]
                if len(word["parts"]) > 2:
                    break
            page.keyboard.type("".join(word["parts"][0]["romaji"]))  # the first part turns green
            page.screenshot(path=seed.ACTIVITIES_DIR / "typing-tutor" / "preview.png")
            page.goto(f"{base}/activities/flashcards/?group_id=3")
            page.locator("#show").click()
            page.screenshot(path=seed.ACTIVITIES_DIR / "flashcards" / "preview.png")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
