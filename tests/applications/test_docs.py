"""The documentation site: it builds with warnings as errors, renders in a real browser,
and a notebook generated from a tutorial runs end to end.

- The site is built once per session (``python -m sphinx -W``), executing only the first
  tutorial (``NPAE_DOCS_EXECUTE``): every page exists, the API reference is complete, and
  the build stays fast; ``.ci/run`` builds the whole gallery with the README's command.
- The browser is Debian's ``chromium``, driven through ``chromedriver`` (Debian's
  ``chromium-driver``) with selenium; these tests are skipped only when no browser exists.
  The site is served over HTTP from a local thread (never from the network).
- Skipped when the ``docs`` extra (sphinx, sphinx-gallery, ...) is not installed.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")
pytest.importorskip("myst_parser")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TUTORIAL = "first_autoencoder"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site into a temporary folder; -> the html folder.

    ``NPAE_DOCS_SITE=docs/_build/html`` checks a site already built (e.g. by the README's
    full build, every tutorial run) instead of building one.
    """
    prebuilt = os.environ.get("NPAE_DOCS_SITE")
    if prebuilt:
        path = Path(prebuilt if os.path.isabs(prebuilt) else os.path.join(ROOT, prebuilt))
        assert (path / "index.html").is_file(), f"NPAE_DOCS_SITE={prebuilt}: no built site there"
        return path
    out = tmp_path_factory.mktemp("docs")
    env = dict(os.environ, NPAE_DOCS_EXECUTE=TUTORIAL, MPLBACKEND="Agg")
    env.pop("NPAE_DOCS_FULL", None)
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html",
         "-d", str(out / "doctrees"), os.path.join(ROOT, "docs"), str(out / "html")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, \
        f"the docs build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return out / "html"


def test_site_has_the_pages(site):
    for page in ["index.html", "review.html", "notation.html", "exercises.html",
                 "linear_theory.html", "_generated/benchmarks.html", "api/index.html",
                 f"auto_tutorials/{TUTORIAL}.html", "auto_tutorials/index.html",
                 "generated/npae.terms.penalties.html", "_static/mathjax/tex-chtml.js"]:
        assert (site / page).is_file(), page
    # every family of the registry has an API entry
    import npae

    for cls in npae.estimator.registry.families().values():
        page = site / "generated" / f"{cls.__module__}.html"
        assert f'id="{cls.__module__}.{cls.__name__}"' in page.read_text(encoding="utf-8"), cls
    # the gallery offers both downloads, and the tutorial's figures are on its page
    html = (site / "auto_tutorials" / f"{TUTORIAL}.html").read_text(encoding="utf-8")
    assert f"{TUTORIAL}.py" in html and f"{TUTORIAL}.ipynb" in html
    assert re.search(r'<img[^>]+sphx_glr_first_autoencoder_001\.png', html), "no figure on the page"


def test_source_links_resolve(site):
    """Every ``:source:`` link of the review page reaches its object in the highlighted source."""
    html = (site / "review.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="[^"]*npae-source[^"]*" href="([^"#]+)#([^"]+)"', html)
    assert len(links) >= 30
    for path, anchor in links:
        page = site / path
        assert page.is_file(), path
        assert f'id="{anchor}"' in page.read_text(encoding="utf-8"), f"{path}#{anchor}"


_ID = re.compile(r"""\bid\s*=\s*["']([^"']*)["']""")
_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["']""", re.I)


def _dead_anchors(site):
    """Every internal link ``page.html#id`` (or ``#id``) of the site whose page has no
    element of that id: -> sorted [(page, href)].  Links off the site are not followed."""
    site = Path(site)
    pages = {p.resolve(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    ids = {p: {unescape(i) for i in _ID.findall(html)} for p, html in pages.items()}
    dead = set()
    for page, html in pages.items():
        for href in map(unescape, _HREF.findall(html)):
            url = urlsplit(href)
            if url.scheme or url.netloc or not url.fragment:
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if unquote(url.fragment) not in ids.get(target, ()):
                dead.add((str(page.relative_to(site.resolve())), href))
    return sorted(dead)


def test_the_dead_anchor_finder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text(
        '<h1 id="top">A</h1><a href="#top">same page</a> <a href="#gone">dead here</a>'
        '<a class="x" href="sub/b.html#npae.estimator.hyperparams.Interval">ok</a>'
        '<a href="sub/b.html#npae.Interval">dead there</a> <a href="nowhere.html#x">no page</a>'
        '<a href="https://example.org/#frag">off the site</a> <a href="sub/b.html">no anchor</a>',
        encoding="utf-8")
    (tmp_path / "sub" / "b.html").write_text(
        '<dt id="npae.estimator.hyperparams.Interval"></dt><a href="../a.html#top">back</a>'
        "<a href='../a.html#a%20b'>dead, quoted</a>", encoding="utf-8")
    assert _dead_anchors(tmp_path) == [
        ("a.html", "#gone"), ("a.html", "nowhere.html#x"), ("a.html", "sub/b.html#npae.Interval"),
        ("sub/b.html", "../a.html#a%20b")]


def test_no_dead_anchors(site):
    """Every link into the site lands on an element: API pages, highlighted source
    (``[source]``/``[docs]``), tutorials, derivation pages, the tables of contents."""
    assert _dead_anchors(site) == []


def _browser():
    """Paths of a chromium binary and its chromedriver, or skip."""
    binary = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                  "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip("no headless browser: apt-get install chromium chromium-driver")
    return binary, driver


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    """(driver, base URL) of a headless chromium looking at the site served over HTTP."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _browser()
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        driver.quit()
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


_WAIT_FOR_MATH = """
const done = arguments[arguments.length - 1];
const t0 = Date.now();
(function wait() {  // MathJax is loaded with the page but may start a moment later on a busy machine
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    MathJax.startup.promise.then(() => done("ok"), (e) => done("error: " + e));
  } else if (Date.now() - t0 > 30000) {
    done("no MathJax");
  } else {
    setTimeout(wait, 100);
  }
})();
"""

_IMAGES = """
const done = arguments[arguments.length - 1];
const imgs = Array.from(document.images);
Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })))
  .then(() => done(imgs.map(i => [i.getAttribute("src"), i.naturalWidth])));
"""


# The text a reader sees outside code and outside typeset equations.
_PROSE_TEXT = """
const skip = new Set(["PRE", "CODE", "SCRIPT", "STYLE", "MJX-CONTAINER", "TEXTAREA", "NOSCRIPT"]);
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode(n) {
  for (let e = n.parentElement; e; e = e.parentElement) {
    if (skip.has(e.tagName)) return NodeFilter.FILTER_REJECT;
  }
  return NodeFilter.FILTER_ACCEPT;
}});
const parts = [];
while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
return parts.join(" ");
"""

# TeX source left as text: a control sequence (\frac, \sum, \hat, ...) or math delimiters
_RAW_TEX = re.compile(r"\\[A-Za-z]{2,}|\$\$|\\\(|\\\)|\\\[|\\\]")


def _raw_tex(text):
    """The pieces of TeX source in a page's visible text (a formula MathJax did not typeset)."""
    return _RAW_TEX.findall(text)


def test_the_raw_tex_finder():
    assert _raw_tex(r"the loss \frac{1}{n} \sum_i and $$x$$ or \(a\)") == \
        ["\\frac", "\\sum", "$$", "$$", "\\(", "\\)"]
    assert _raw_tex("L = ½‖x − x̂‖², costs $3, a path C:\\ d, the \\ row") == []


@pytest.mark.parametrize("page, min_images, displayed", [
    (f"auto_tutorials/{TUTORIAL}.html", 1, False),         # a tutorial, run
    ("auto_tutorials/contractive.html", 0, False),         # a tutorial's text (not run here)
    ("generated/npae.terms.penalties.html", 0, True),      # API pages with formulas
    ("generated/npae.families.variational.html", 0, True), # a family: objective, symbols
    ("generated/npae.families.sparse.html", 0, True),
    ("generated/npae.nn.jacobian.html", 0, True),
    ("contractive_jacobian.html", 0, True),                # derivation pages
    ("convolution.html", 0, True),
    ("linear_theory.html", 0, True),
    ("notation.html", 0, False),                           # symbols inline, no display
])
def test_page_renders_in_a_browser(browser, page, min_images, displayed):
    driver, base = browser
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(f"{base}/{page}")
    assert driver.execute_async_script(_WAIT_FOR_MATH) == "ok"
    # the equations are typeset: MathJax's output elements exist, without errors
    # (a TeX error is an mjx-merror, an unknown macro red text), and no TeX source is left
    n_math, n_typeset, errors = driver.execute_script(
        "return [document.querySelectorAll('.math').length,"
        " document.querySelectorAll('.math mjx-container').length,"
        " Array.from(document.querySelectorAll("
        "   'mjx-merror, mjx-container [style*=\"color: red\"]'))"
        "   .map(e => e.getAttribute('data-mjx-error') || e.textContent)]")
    assert n_math >= 1 and n_typeset == n_math, f"{page}: {n_typeset} of {n_math} equations typeset"
    assert errors == [], f"{page}: MathJax errors {errors}"
    if displayed:  # the objective, the derivation: display equations
        n_display = driver.execute_script(
            "return document.querySelectorAll('div.math mjx-container[display=\"true\"]').length")
        assert n_display >= 1, f"{page}: no displayed equation"
    assert _raw_tex(driver.execute_script(_PROSE_TEXT)) == [], f"{page}: raw TeX left on the page"
    images = driver.execute_async_script(_IMAGES)
    assert len(images) >= min_images, f"{page}: {len(images)} images"
    broken = [src for src, width in images if not width]
    assert not broken, f"{page}: images that did not load: {broken}"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{page}: console errors: {errors}"
    # everything the page loaded came from the site itself (the site is offline)
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert [u for u in loaded if not u.startswith(base)] == [], f"{page}: network requests"


_TAG = re.compile(r"<(script|img|iframe|source|link)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""\b(src|href|rel)\s*=\s*["']([^"']*)["']""", re.I)
_REMOTE = re.compile(r"^(?:https?:)?//", re.I)


def _fetched_urls(html):
    """The remote URLs a browser fetches while loading ``html``: scripts, images, frames,
    stylesheets, preloads and icons, CSS imports (links a reader follows are not fetched)."""
    urls = []
    for tag, attrs in _TAG.findall(html):
        a = {k.lower(): v for k, v in _ATTR.findall(attrs)}
        if tag.lower() == "link":
            if set(a.get("rel", "").lower().split()) & {"stylesheet", "preload", "modulepreload",
                                                       "icon", "prefetch"}:
                urls.append(a.get("href", ""))
        else:
            urls.append(a.get("src", ""))
    urls += re.findall(r"""@import\s+(?:url\()?["']?([^"')\s;]+)""", html)
    return [u for u in urls if _REMOTE.match(u)]


def test_the_remote_url_finder():
    html = ('<script src="https://cdn.example/x.js"></script>'
            '<link href="https://cdn.example/b.css" rel="stylesheet" />'
            '<link rel="stylesheet" href="//cdn.example/c.css"><img src="_static/x.png">'
            '<a href="https://github.com/">a link</a><style>@import url("https://f/g.css");</style>')
    assert _fetched_urls(html) == ["https://cdn.example/x.js", "https://cdn.example/b.css",
                                   "//cdn.example/c.css", "https://f/g.css"]


def test_no_page_requests_a_network_url(site):
    fetching = {}
    for page in site.rglob("*.html"):
        urls = _fetched_urls(page.read_text(encoding="utf-8"))
        if urls:
            fetching[str(page.relative_to(site))] = urls
    assert fetching == {}


def test_generated_notebook_runs(site, tmp_path):
    """The tutorial's .ipynb (as a reader downloads it) runs end to end in a Jupyter kernel."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if importlib.util.find_spec("ipykernel") is None:  # (not imported here: the kernel runs it)
        pytest.skip("ipykernel is not installed")
    path = os.path.join(ROOT, "docs", "auto_tutorials", f"{TUTORIAL}.ipynb")
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    saved = {k: os.environ.get(k) for k in ("NPAE_TUTORIAL_QUICK", "NPAE_TUTORIAL_OUT")}
    os.environ.update(NPAE_TUTORIAL_QUICK="1", NPAE_TUTORIAL_OUT=str(tmp_path))
    try:  # the kernel inherits this environment; it runs in the tutorials' folder
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": os.path.join(ROOT, "tutorials")}}
                                ).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "largest difference between hand and npae gradients" in outputs
    assert "FAILED" in outputs and "PASSED" in outputs  # the bug is caught, the fix passes
    assert (tmp_path / TUTORIAL / "filters.png").stat().st_size > 1000


def test_quick_mode_figures_are_marked(tmp_path):
    """A quick-mode figure gets a band with the mark on top; the figure itself is unchanged."""
    sys.path.insert(0, os.path.join(ROOT, "docs", "_ext"))
    try:
        from npae_docs import mark_quick
    finally:
        sys.path.pop(0)
    Image = pytest.importorskip("PIL.Image")
    import numpy as np

    path = tmp_path / "figure.png"
    figure = np.zeros((40, 300, 4), dtype=np.uint8)
    figure[..., 1] = 200  # green
    figure[..., 3] = 255
    Image.fromarray(figure).save(path)
    mark_quick(path)
    marked = np.asarray(Image.open(path).convert("RGBA"))
    band = marked.shape[0] - 40
    assert band > 0 and marked.shape[1] == 300
    np.testing.assert_array_equal(marked[band:], figure)  # the figure, whole, below the band
    top = marked[:band, :, :3].reshape(-1, 3)
    assert ((top[:, 0] > 100) & (top[:, 1] < 80)).any()  # red text in the band
