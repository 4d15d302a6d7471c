"""Sphinx configuration of npae's documentation site.

Build (warnings are errors), from the repository root::

    python -m pip install -e ".[docs]" && python -m sphinx -W -b html docs docs/_build/html

The site builds and renders offline: MathJax is copied into the build from the
``sphinx-mathjax-offline`` package; nothing is fetched at build or view time.
The tutorials (``tutorials/*.py``) run as a sphinx-gallery in quick mode; set
``NPAE_DOCS_FULL=1`` for a release build that runs them in full.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "_ext"))
sys.path.insert(0, os.path.join(ROOT, "tutorials"))  # so that `from _tutorial import ...` works

import npae  # noqa: E402
from npae_docs import TutorialImageScraper, write_generated_pages  # noqa: E402

project = "npae"
author = "the npae developers"
copyright = "npae developers, MIT licence"
release = version = npae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # sets mathjax_path to a local copy and copies it into _static
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "npae_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
# (execution-time pages are not written, see below; a leftover of an older build is ignored)
exclude_patterns = ["_build", "**.ipynb_checkpoints", "sg_execution_times.rst",
                    "**/sg_execution_times.rst"]
templates_path = ["_templates"]

# -- Markdown (notation, linear theory, exercises, benchmark results) --------
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# -- API reference --------------------------------------------------------
autosummary_generate = True
autosummary_ignore_module_all = True
# importing npae.__main__ runs the command line; it has nothing to document
autosummary_mock_imports = ["npae.__main__"]
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # types are in the numpydoc sections
numpydoc_show_class_members = False  # autodoc lists the members once
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# -- The tutorials gallery ------------------------------------------------
FULL = os.environ.get("NPAE_DOCS_FULL", "") not in ("", "0")
if not FULL:
    os.environ["NPAE_TUTORIAL_QUICK"] = "1"  # read by tutorials/_tutorial.py
# The tutorials write their figures under this folder during the build, and the
# scraper (docs/_ext/npae_docs.py) moves each one onto its tutorial's page.
TUTORIAL_OUT = os.path.join(HERE, "_build", "tutorial_out")
shutil.rmtree(TUTORIAL_OUT, ignore_errors=True)
os.environ["NPAE_TUTORIAL_OUT"] = TUTORIAL_OUT

# Every tutorial runs, unless NPAE_DOCS_EXECUTE names a subset (a regular expression on
# the file names, e.g. "first_autoencoder|sparse"): the others get their page, without
# output or figures (the docs test builds the site that way, to stay fast).
EXECUTE = os.environ.get("NPAE_DOCS_EXECUTE", "") or r"[a-z][a-z_]*"
# `_tutorial.py` is the tutorials' shared helper and `to_pytorch_ddp.py` the script that
# `to_pytorch.py` starts under torchrun: not pages of their own.  The PyTorch tutorial
# needs the optional torch (the `bench` extra): without it, it keeps its page (text and
# code) but is not run.
IGNORE = r"(^_|to_pytorch_ddp\.py$)"
if importlib.util.find_spec("torch") is None:
    EXECUTE = rf"(?!to_pytorch\.py$)(?:{EXECUTE})"

sphinx_gallery_conf = {
    "examples_dirs": os.path.join(ROOT, "tutorials"),
    "gallery_dirs": "auto_tutorials",
    "filename_pattern": rf"/({EXECUTE})\.py$",
    "ignore_pattern": IGNORE,  # matched against the file name
    "image_scrapers": ("matplotlib", TutorialImageScraper(TUTORIAL_OUT)),
    "download_all_examples": False,
    # a downloaded notebook imports the tutorials' shared helper (tutorials/_tutorial.py)
    "first_notebook_cell": ("# Run this notebook from the tutorials/ folder of npae's repository:\n"
                            "# it imports the tutorials' shared helper, _tutorial.py.\n"
                            "# Set the environment variable NPAE_TUTORIAL_QUICK=1 for the "
                            "quick run.\n%matplotlib inline"),
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
    "plot_gallery": "True",
    "show_memory": False,
    "min_reported_time": 0,
    # sphinx-gallery's execution-times page loads DataTables and jQuery from CDNs: the
    # site is offline, so the page is not written.
    "write_computation_times": False,
}

# the landing page's figure is computed at build time
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

# -- HTML -----------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"npae {release}"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"  # without one, browsers request /favicon.ico (a 404)
# an explicit mode: without it the theme logs "Got invalid theme mode" to the console
html_context = {"default_mode": "auto"}
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_show_sourcelink = False

write_generated_pages(HERE, ROOT)
