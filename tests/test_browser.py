"""The smoke site in headless Chromium: widgets work, math renders, nothing leaves 127.0.0.1.

Needs Debian's chromium and the playwright package (`make test` installs both; Playwright's
own browser download is never used). Without them the test is skipped, or fails under CI.
"""

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "smoke" / "html"
SCREENSHOTS = ROOT / "_build" / "smoke" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# An error every page shows that does not come from the book: pydata-sphinx-theme
# complains on a first visit (no stored theme mode).
HARMLESS_ERRORS = ("Got invalid theme mode: .",)
PAGES = ["book/intro", "book/model", "book/s1_ljat3_cluster", "book/s2_visualising_solutions",
         "book/s3_auc_landscapes", "book/s3_landscapes", "book/s4_glass_former",
         "book/reproduction", "book/paper_size_runs", "book/performance"]
# What a reader should not meet on a page, found in the browser after rendering.
PAGE_PROBLEMS = r"""() => {
  const problems = [];
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const width = column.getBoundingClientRect().width;
  const scrolls = el => {
    for (let a = el; a && a !== column; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if ((o === 'auto' || o === 'scroll') && a.getBoundingClientRect().width <= width + 1) return true;
    }
    return false;
  };
  for (const el of column.querySelectorAll('table, pre')) {
    if (el.scrollWidth > width + 1 && !scrolls(el))
      problems.push(`${el.tagName.toLowerCase()} ${el.scrollWidth} px wide in a `
                    + `${Math.round(width)} px column, no scroll box`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.complete || img.naturalWidth === 0) problems.push(`image not loaded: ${img.src.slice(0, 80)}`);
  }
  for (const img of column.querySelectorAll('.cell_output img')) {  // figures laid out for the column
    const shown = img.getBoundingClientRect().width;
    if (img.naturalWidth > 0 && shown > 0 && shown < 0.9 * img.naturalWidth)
      problems.push(`figure shrunk to ${Math.round(100 * shown / img.naturalWidth)} %: ${img.src.slice(-40)}`);
  }
  for (const a of document.querySelectorAll('a[href^="http"]')) {
    const host = new URL(a.href).hostname;
    if (/\.(md|py|ipynb|txt|yml|yaml|json|csv)$/i.test(host))
      problems.push(`link to a file name as a host: ${a.href}`);
  }
  for (const el of document.querySelectorAll('.output.stderr, .cell_output .stderr'))
    problems.push(`stderr output: ${el.textContent.trim().slice(0, 60)}`);
  for (const el of document.querySelectorAll('.cell_output'))
    if (/\d+%\|.*\|.*(it\/s|s\/it)/.test(el.textContent))
      problems.push(`progress bar: ${el.textContent.trim().slice(0, 60)}`);
  return problems;
}"""


def _unavailable(reason):
    if os.environ.get("CI"):  # CI must run this test, not skip it
        pytest.fail(f"{reason} (CI is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not (chromium := shutil.which("chromium")):
        _unavailable("no chromium on PATH (make browser, or apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(smoke_book):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=SITE))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser, site):
    """A fresh page that may only load from the test server; fails on outside requests and
    console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    outside, errors = [], []

    def route(r):
        if r.request.url.startswith(site):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error"
            and errors.append(f"{m.text} ({m.location['url']})"))
    yield page
    context.close()
    assert not outside, f"the page tried to reach the internet: {outside}"
    errors = [e for e in errors if not any(h in e for h in HARMLESS_ERRORS)]
    assert not errors, f"errors in the browser console: {errors}"


@pytest.mark.book
@pytest.mark.browser
def test_widget_slider_changes_the_image(page, site):
    from playwright.sync_api import expect

    def shown_image():
        expect(image).to_have_count(1)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                               arg=image.element_handle(), timeout=10_000)
        return image.get_attribute("src"), image.screenshot()

    page.goto(site + "book/s2_visualising_solutions.html")
    # The first widget: a slider above a Stack of images, linked in the browser (jslink).
    widget = page.locator(".jupyter-widgets.widget-vbox:has(.widget-slider):has(img)").first
    widget.wait_for(timeout=30_000)
    widget.scroll_into_view_if_needed()
    image = widget.locator("img.widget-image:visible")
    src, pixels = shown_image()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "s2_before.png")

    handle = widget.locator(".noUi-handle").first
    at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    handle.press("ArrowLeft" if at_end else "ArrowRight")
    expect(image).not_to_have_attribute("src", src, timeout=10_000)
    assert shown_image()[1] != pixels, "the slider moved but the image looks the same"
    page.screenshot(path=SCREENSHOTS / "s2_after.png")


@pytest.mark.book
@pytest.mark.browser
def test_mathjax_renders(page, site):
    page.goto(site + "book/s1_ljat3_cluster.html")
    page.locator("mjx-container").first.wait_for(timeout=30_000)
    assert page.locator("mjx-merror").count() == 0, "MathJax reports a TeX error"


@pytest.mark.book
@pytest.mark.browser
def test_movie_s1_plays_without_a_kernel(page, site):
    """Movie S1: a Play button linked to a slider and a Stack of frames (jslink)."""
    from playwright.sync_api import expect

    page.goto(site + "book/s3_landscapes.html")
    widget = page.locator(".jupyter-widgets.widget-vbox:has(.widget-play)").first
    widget.wait_for(timeout=30_000)
    widget.scroll_into_view_if_needed()
    image = widget.locator("img.widget-image:visible")
    expect(image).to_have_count(1)
    src = image.get_attribute("src")
    handle = widget.locator(".noUi-handle").first
    assert handle.get_attribute("aria-valuenow") in ("0", "0.0")
    widget.locator(".widget-play button").first.click()  # the play button
    expect(image).not_to_have_attribute("src", src, timeout=10_000)
    page.wait_for_function("h => Number(h.getAttribute('aria-valuenow')) > 0",
                           arg=handle.element_handle(), timeout=10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "s3_movie.png")


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("name", PAGES)
def test_page_reads_cleanly(page, site, name):
    """No console errors (the fixture), no stderr or progress bars, images loaded and
    figures shown at >= 90 % of their size, wide tables and code in their own scroll
    box, no links to a file name taken for a host."""
    page.goto(site + name + ".html")
    page.wait_for_load_state("load")
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)
    problems = page.evaluate(PAGE_PROBLEMS)
    assert not problems, f"{name}: {problems}"


@pytest.mark.book
@pytest.mark.browser
def test_basin_explorer_shows_the_chosen_minimum(page, site):
    """Choosing another minimum in the dropdown changes the panel (graph with the
    highlighted leaf and the prediction map) and its numbers, without a kernel."""
    from playwright.sync_api import expect

    page.goto(site + "book/s3_landscapes.html")
    widget = page.locator(".jupyter-widgets.widget-vbox:has(.widget-dropdown):has(img)").first
    widget.wait_for(timeout=30_000)
    widget.scroll_into_view_if_needed()
    image = widget.locator("img.widget-image:visible")
    text = widget.locator(".widget-html:visible")
    expect(image).to_have_count(1)
    src, pixels, numbers = image.get_attribute("src"), image.screenshot(), text.inner_text()
    assert "train loss" in numbers and "test AUC" in numbers
    widget.locator("select").select_option(index=1)
    expect(image).not_to_have_attribute("src", src, timeout=10_000)
    assert image.screenshot() != pixels, "another minimum was chosen but the panel looks the same"
    assert text.inner_text() != numbers
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "s3_explorer.png")
