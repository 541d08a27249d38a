"""The web map in headless Chromium (the browser tests' Chromium and flags), for
bench/run.py: time to the first features drawn, to the whole view drawn, and the longest
main-thread task while panning at municipal zoom, for point layers of several sizes.

Every visit is a first visit (a new browser context: nothing cached). Layers above
map.js's BIG_LAYER are drawn from vector tiles, so "first features" is the first tile
drawn and "view drawn" the moment the last tile of the view is in and no request runs."""

import statistics

from playwright.sync_api import sync_playwright

FIRST_DRAW_GOAL_S = 1.0
LONG_TASK_GOAL_MS = 100
MUNICIPAL_ZOOM = 15
PANS = 6

# Long tasks (over 50 ms on the main thread) as Chromium reports them.
WATCH_LONG_TASKS = """() => {
    window.benchLongTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.benchLongTasks.push(e.duration)))
        .observe({ type: "longtask" });
}"""


def visit(browser, url, idle):
    """(seconds to the first features, seconds to the view drawn, longest task in ms while
    panning) for one visit."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(url)
        page.wait_for_function("() => performance.getEntriesByName('gis:first-features').length > 0")
        first = page.evaluate("performance.getEntriesByName('gis:first-features')[0].startTime") / 1000
        # The page's own clock when it is first idle (polled every frame).
        whole = page.wait_for_function(f"() => ({idle})() && performance.now()", polling="raf").json_value() / 1000
        page.evaluate(WATCH_LONG_TASKS)
        for i in range(PANS):
            page.evaluate(f"() => {{ GIS.map.panBy([{300 if i % 2 else -300}, {150 if i % 3 else -150}], {{ animate: false }}); }}")
            page.wait_for_timeout(700)  # time for the new tiles' tasks to show
            page.wait_for_function(idle)
        longest = max(page.evaluate("window.benchLongTasks"), default=0)
        return first, whole, longest
    finally:
        context.close()


def webmap_scenarios(base, layers, centre, repeat):
    """`base`: the app's URL; `layers`: (layer, size) pairs of one municipality, each shown alone.

    bench/run.py serves the app as it is deployed: gunicorn with the production settings
    and three workers, not Django's live server as in the browser tests. The live server is
    one process with DEBUG on, so the page, its static files and the ~20 tile requests of a
    view took turns on one interpreter lock, which no user's browser meets."""
    # The browser tests' Chromium, flags and idea of an idle map (Django is set up by now).
    from tests.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.web.conftest import IDLE

    return measure(layers, centre, repeat, base, CHROMIUM, CHROMIUM_ARGS, IDLE)


def measure(layers, centre, repeat, base, chromium, chromium_args, idle):
    results = []
    lon, lat = centre
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=chromium_args)
        try:
            for layer, size in layers:
                url = f"{base}/m/{layer.municipality.slug}/?layers={layer.pk}&at={MUNICIPAL_ZOOM}/{lat:.5f}/{lon:.5f}&base=none"
                visits = [visit(browser, url, idle) for _ in range(repeat)]
                first = statistics.median(v[0] for v in visits)
                whole = statistics.median(v[1] for v in visits)
                longest = max(v[2] for v in visits)
                result = {"name": f"web map: first features drawn ({size:,} points)", "size": size,
                          "ours_median_s": round(first, 4), "baseline": "goal", "baseline_median_s": FIRST_DRAW_GOAL_S,
                          "ratio": round(first / FIRST_DRAW_GOAL_S, 2), "view_drawn_median_s": round(whole, 4),
                          "max_long_task_ms": round(longest),
                          "long_task_goal_ms": LONG_TASK_GOAL_MS}
                print(f"{result['name']:<40} first features {first * 1000:7.0f} ms, view drawn {whole * 1000:7.0f} ms,"
                      f" longest task while panning {longest:5.0f} ms")
                results.append(result)
        finally:
            browser.close()
    return results
