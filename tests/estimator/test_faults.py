"""The fault and bad-input suite (catalogue in ``tests/faults.py``): for every
registered family, the RBM, the rate-distortion autoencoder and the public functions, every bad call gets a clear error,
none is accepted silently, and no failed call damages a fitted model.

``python -m pytest tests/estimator/test_faults.py -n 0 -s -k summary`` prints the tally
(``-n 0``: in one process, where ``-s`` shows what the test prints);
``python benchmarks/faults.py`` writes it to ``benchmarks/results/faults.md``.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import faults
from npae.estimator.registry import families

FAMILIES = sorted(families())
SUBJECTS = sorted(faults.subjects())  # the families, the RBM, the rate-distortion AE
_RESULTS = {}


def results(key, tmp_path_factory):
    if key not in _RESULTS:
        if key == "functions":
            _RESULTS[key] = faults.run_functions(np.random.default_rng(0))
        else:
            _RESULTS[key] = faults.run_family(key, tmp_path_factory.mktemp(key))
    return _RESULTS[key]


def _report(attempts, outcome):
    return "\n".join(f"{a.target} / {a.case}: {a.detail}" for a in attempts
                     if (a.damaged if outcome == "damaged" else a.outcome == outcome))


@pytest.mark.parametrize("key", SUBJECTS + ["functions"])
def test_no_silent_acceptance_no_unclear_error_no_damage(key, tmp_path_factory):
    attempts = results(key, tmp_path_factory)
    t = faults.tally(attempts)
    assert t["attempts"] >= 250
    assert t["silent acceptances"] == 0, _report(attempts, "silent")
    assert t["unclear errors"] == 0, _report(attempts, "unclear")
    assert t["damaged models"] == 0, _report(attempts, "damaged")


def test_summary(tmp_path_factory):
    rows = {key: faults.tally(results(key, tmp_path_factory)) for key in SUBJECTS + ["functions"]}
    rows["total"] = {k: sum(r[k] for r in rows.values()) for k in next(iter(rows.values()))}
    print("\n" + faults.table(rows))
    assert rows["total"]["silent acceptances"] == 0 and rows["total"]["damaged models"] == 0
    assert rows["total"]["attempts"] == rows["total"]["clear errors"] + \
        rows["total"]["right answers"] + rows["total"]["unclear errors"]


def test_the_catalogue_catches_a_silent_acceptance_and_a_damaged_model(monkeypatch):
    """Negative control: with the bool check and the NaN check switched off, the
    tally must report silent acceptances (so a zero above means something)."""
    import npae._validation
    from npae.estimator.hyperparams import Boolean

    monkeypatch.setattr(Boolean, "is_satisfied_by", lambda self, v: True)
    real = npae._validation.check_output
    attempts = faults.run_settings("autoencoder", np.random.default_rng(0))
    assert faults.tally(attempts)["silent acceptances"] >= 3  # tied="False", verbose=1, ...
    monkeypatch.setattr("npae.estimator.inference.check_output", lambda dtype, out, *a: out)
    assert real is npae._validation.check_output
    attempts = faults.run_data("autoencoder", np.random.default_rng(0))
    assert any(a.outcome == "silent" and a.case == "huge finite" for a in attempts)


# ---------------------------------------------------- hypothesis: NaN and inf anywhere
@st.composite
def poisoned(draw):
    n = draw(st.integers(1, 6))
    X = np.random.default_rng(draw(st.integers(0, 2**16))).random((n, 7))
    k = draw(st.integers(1, n * 7))
    where = draw(st.lists(st.integers(0, n * 7 - 1), min_size=1, max_size=k))
    value = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    X.flat[where] = value
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return X.astype(dtype), len(set(where))


@pytest.fixture(scope="module")
def fitted():
    X, y = np.random.default_rng(0).random((12, 7)), np.arange(12) % 3
    out = {}
    for key, cls in families().items():
        out[key] = cls(**{**cls._examples[0], "epochs": 1}).fit(X, y if cls._uses_labels else None)
    return out


@settings(max_examples=25, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=poisoned(), key=st.sampled_from(FAMILIES))
def test_nan_or_inf_anywhere_is_named_with_its_count(data, key, fitted):
    X, count = data
    model = fitted[key]
    before = faults.snapshot(model)
    for call in (model.transform, model.score_samples, model.reconstruct):
        with pytest.raises(ValueError, match=rf"X contains {count} NaN or infinite value\(s\)"):
            call(X)
    assert faults.snapshot(model) == before
