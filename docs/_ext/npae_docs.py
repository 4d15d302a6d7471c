"""Small Sphinx helpers of npae's site: the tutorials' figures, source links, generated pages.

- :class:`TutorialImageScraper`: a sphinx-gallery image scraper.  The tutorials save their
  figures with :func:`npae.plot.save`, which closes them, so matplotlib's scraper sees
  nothing; this one collects the PNG files a tutorial wrote (under ``NPAE_TUTORIAL_OUT``)
  and puts them on the tutorial's page; in quick mode (the default build) each figure is
  stamped "QUICK MODE" (:func:`mark_quick`) and its alt text says so.
- the ``:source:`` role: ``:source:`npae.terms.penalties.kl_sparsity``` links to the highlighted
  source of that object (the page ``sphinx.ext.viewcode`` writes); an object that does not
  exist is a build error, so the links cannot go stale silently.
- :func:`write_generated_pages`: the benchmark results page from ``benchmarks/RESULTS.md``.
- :func:`fix_viewcode_backlinks`: the ``[docs]`` links of the highlighted source point at
  the ids the API pages really have (see there).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


class TutorialImageScraper:
    """Collect the PNG files written under ``root`` since the last call (sphinx-gallery scraper)."""

    def __init__(self, root):
        self.root = root
        self.seen = set()

    def __repr__(self):  # a stable repr keeps Sphinx's config cache valid between builds
        return "TutorialImageScraper()"

    def __call__(self, block, block_vars, gallery_conf):
        from sphinx_gallery.scrapers import figure_rst

        found = []
        for folder, _, files in os.walk(self.root):
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith(".png") and path not in self.seen:
                    found.append((os.path.getmtime(path), path))
        rst = ""
        # the tutorials run one after the other, so what is new was written by this block;
        # one figure directive per file, its name as the alt text ("history.png")
        quick = os.environ.get("NPAE_TUTORIAL_QUICK") == "1"
        for (_, src), dest in zip(sorted(found), block_vars["image_path_iterator"]):
            shutil.copyfile(src, dest)
            self.seen.add(src)
            title = os.path.basename(src)
            if quick:
                mark_quick(dest)
                title += " (quick mode: small data, few epochs)"
            rst += figure_rst([dest], gallery_conf["src_dir"], fig_titles=title)
        return rst


#: the mark of a quick-mode figure: its numbers come from a smoke run, not the tutorial's
QUICK_MARK = "QUICK MODE: small data, few epochs (NPAE_DOCS_FULL=1 builds the full run)"


def mark_quick(path):
    """Stamp ``QUICK_MARK`` on the PNG at ``path``, on a white band added at its top
    (the figure itself is left whole), so the mark stays with a downloaded image."""
    from PIL import Image, ImageDraw

    with Image.open(path) as im:
        im = im.convert("RGBA")
    band = 16
    out = Image.new("RGBA", (im.width, im.height + band), (255, 255, 255, 255))
    out.paste(im, (0, band))
    ImageDraw.Draw(out).text((4, 2), QUICK_MARK, fill=(180, 0, 0, 255))
    out.save(path)


def _resolve(target):
    """``"npae.a.b.C.f"`` -> (module name, qualified name) of an object that exists."""
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                raise ValueError(f"{target}: no attribute {attr!r}")
        module = getattr(obj, "__module__", ".".join(parts[:cut]))
        qualname = getattr(obj, "__qualname__", ".".join(parts[cut:]))
        return module, qualname
    raise ValueError(f"{target}: no importable module")


def source_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:source:`npae.x.f``` -> a link to the highlighted source of ``npae.x.f``."""
    env = inliner.document.settings.env
    try:
        module, qualname = _resolve(text.strip())
    except ValueError as exc:
        msg = inliner.reporter.error(f"source role: {exc}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    up = "../" * env.docname.count("/")
    uri = f"{up}_modules/{module.replace('.', '/')}.html#{qualname}"
    label = f"{module.replace('.', '/')}.py"
    return [nodes.reference(rawtext, label, refuri=uri, classes=["npae-source"])], []


def write_generated_pages(docs_dir, root):
    """Write ``docs/_generated/benchmarks.md`` from ``benchmarks/RESULTS.md``.

    RESULTS.md marks its sections with HTML anchors (``<a id="1-speed"></a>``) for
    GitHub; they become MyST targets (``(1-speed)=``) so that its table of contents
    resolves as cross-references.
    """
    out = os.path.join(docs_dir, "_generated")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(root, "benchmarks", "RESULTS.md"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r'<a id="([^"]+)"></a>', r"(\1)=", text)
    with open(os.path.join(out, "benchmarks.md"), "w", encoding="utf-8") as f:
        f.write(text)


def fix_viewcode_backlinks(app):
    """Make each ``[docs]`` link of the highlighted source reach its object's id.

    ``sphinx.ext.viewcode`` keeps *one* prefix per module for the ids of its back-links:
    the module name under which the first page read documented one of its objects.  The
    API reference documents the package's errors under their re-exported names
    (``npae.InvalidParameterError``, in ``api/index``, read first), so every back-link of
    ``npae/estimator/hyperparams.py`` became ``generated/npae.estimator.hyperparams.html
    #npae.Interval``, an id that page does not have (its ids are
    ``npae.estimator.hyperparams.Interval``).  Before viewcode writes its pages (this
    handler runs first), a module whose recorded objects are all documented, on the page
    the back-link goes to, under the module's own name gets its own name as the prefix.
    """
    modules = getattr(app.env, "_viewcode_modules", {})
    objects = app.env.get_domain("py").objects
    for modname, entry in modules.items():
        if not entry or len(entry) != 4 or entry[3] == modname:
            continue
        code, tags, used, _ = entry
        def own_id(name, docname, modname=modname):
            entry = objects.get(modname + "." + name)  # (an alias entry has another node id)
            return (entry is not None and entry.docname == docname
                    and entry.node_id == modname + "." + name)

        if used and all(own_id(name, docname) for name, docname in used.items()):
            modules[modname] = (code, tags, used, modname)
    return []


def setup(app):
    app.add_role("source", source_role)
    # before sphinx.ext.viewcode's own handler (priority 500) writes the source pages
    app.connect("html-collect-pages", fix_viewcode_backlinks, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
