"""Shared test configuration.

- Hypothesis profiles without deadlines (gradient checks run the per-example
  reference path, whose first call can be slow on a loaded machine; examples
  are kept small instead of timed) and bounded in work instead: at most 25
  examples per test unless the test asks for a number itself, and no "explain"
  phase (it re-runs a failing example many times).  Gradient tests assert
  ``report.passed`` of :func:`npae.gradcheck.check_gradient`, whose one rule
  (relative error, or a difference within the round-off floor) holds on any
  draw, so a replay from ``.hypothesis/`` is not a standing failure.  Under CI (``CI`` set, as ``.ci/run`` runs)
  the "ci" profile is fixed: derandomised, a set number of examples and no
  example database, so that a CI run is the same run every time; locally the
  "npae" profile explores new examples.
- One BLAS thread for the whole session (through threadpoolctl, a test
  dependency): the tests multiply small matrices, for which a second thread
  only adds synchronisation, and on a busy 2-core machine multi-threaded BLAS
  made some modules 5–50× slower.  The cores are used instead by running the
  tests in parallel, one pytest-xdist worker per core (``-n auto`` in
  pyproject.toml; each worker is a process with this fixture of its own).
  Benchmarks choose their own thread counts.
- The tutorials' folder on ``sys.path``: a tutorial is a script run as
  ``python tutorials/x.py``, where Python puts its folder on the path so that it
  imports its sibling ``_tutorial``; the tests run tutorials in-process with
  ``runpy.run_path``, which does not, so the folder is added here (last, so that
  nothing in it shadows an installed module).
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "npae",
    deadline=None,
    max_examples=25,
    phases=[p for p in Phase if p is not Phase.explain],
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    parent=settings.get_profile("npae"),
    derandomize=True,
    max_examples=50,
    database=None,
    print_blob=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "npae")

sys.path.append(os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "tutorials")))


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # still correct, only slower on a loaded machine
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
