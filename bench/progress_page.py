"""How soon the progress page is drawn with a year of data, and how much of
its own it loads: the page opened in Debian's Chromium against the server
on a copy of the large benchmark database (a year of study), as the default
learner, several times.

    python -m bench.progress_page [--db PATH] [--loads 7]

"Drawn" is the page's own mark (``progress-drawn``, set once every chart is
in the page) after the navigation started; the first load also starts the
browser's caches, so it is reported apart.
"""
import statistics

from playwright.sync_api import expect, sync_playwright

from bench.serving import database_named, parser_with_database, working_copy
from tests.live_server import LiveServer
from tests.test_activities_browser import CHROMIUM, CHROMIUM_ARGS

DRAWN = "performance.getEntriesByName('progress-drawn')[0].startTime"


def main(argv=None):
    parser = parser_with_database(__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7, help="how many times the page is opened")
    args = parser.parse_args(argv)
    with working_copy(database_named(args), "progress") as path:
        server = LiveServer(path).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                sizes = {}
                page.on("response", lambda response: sizes.__setitem__(response.url, len(response.body()))
                        if "/activities/" in response.url and response.status == 200 else None)
                drawn = []
                for _ in range(args.loads):
                    page.goto(f"http://127.0.0.1:{server.port}/activities/progress/")
                    expect(page.locator("body")).to_have_attribute("data-ready", "true")
                    drawn.append(page.evaluate(DRAWN))
                browser.close()
        finally:
            server.stop()
    print(f"progress page: {sum(sizes.values())} bytes of its own in {len(sizes)} files")
    print(f"drawn after {drawn[0]:.0f} ms on the first load; then median {statistics.median(drawn[1:]):.0f} ms,"
          f" best {min(drawn[1:]):.0f} ms, worst {max(drawn[1:]):.0f} ms over {len(drawn) - 1} loads (target < 1000)")


if __name__ == "__main__":
    main()
