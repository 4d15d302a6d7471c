"""KSparseAutoencoder (Makhzani & Frey 2013): top-k support, gradient through the kept
units only, α·k units at encoding time, deterministic ties."""

import os
import runpy

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import npae
from npae.gradcheck import check_gradients
from npae.families.ksparse import k_sparse_mask
from npae.nn import batch
from npae.nn.losses import squared_error

HERE = os.path.dirname(os.path.dirname(__file__))  # tests/
FAST = settings(max_examples=20, deadline=None)




def reference_mask(Z, k, selection="value"):
    """The definition: a stable sort of the negated scores, first k (lowest index wins ties)."""
    S = Z if selection == "value" else np.abs(Z)
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    mask = np.zeros(Z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


# ------------------------------------------------------------- the mask
@FAST
@given(Z=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 9)),
                    elements=st.integers(-3, 3).map(float)),  # small integers: many ties
       data=st.data(), selection=st.sampled_from(["value", "magnitude"]))
def test_mask_keeps_exactly_k_per_row_and_breaks_ties_by_lowest_index(Z, data, selection):
    k = data.draw(st.integers(1, Z.shape[1]))
    mask = k_sparse_mask(Z, k, selection)
    np.testing.assert_array_equal(mask.sum(axis=1), k)
    np.testing.assert_array_equal(mask, reference_mask(Z, k, selection))
    # Every kept score is >= every dropped score.
    S = Z if selection == "value" else np.abs(Z)
    for s, m in zip(S, mask):
        if 0 < k < len(s):
            assert s[m].min() >= s[~m].max()


def test_mask_value_versus_magnitude():
    Z = np.array([[0.5, 2.0, 0.5, -3.0]])
    np.testing.assert_array_equal(k_sparse_mask(Z, 2), [[True, True, False, False]])
    np.testing.assert_array_equal(k_sparse_mask(Z, 2, "magnitude"), [[False, True, False, True]])
    np.testing.assert_array_equal(k_sparse_mask(np.zeros((1, 4)), 2), [[True, True, False, False]])


@pytest.mark.parametrize("k", [0, 5, 2.0, True])
def test_mask_rejects_bad_k(k):
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 4\]"):
        k_sparse_mask(np.zeros((2, 4)), k)


# ------------------------------------------------------------ gradients
@FAST
@given(sizes=st.lists(st.integers(3, 7), min_size=1, max_size=2), data=st.data(),
       selection=st.sampled_from(["value", "magnitude"]), tied=st.booleans(),
       code_activation=st.sampled_from(["identity", "tanh", "sigmoid"]),
       wd=st.sampled_from([0.0, 1e-3]), seed=st.integers(0, 999))
def test_gradients_every_parameter_both_paths(sizes, data, selection, tied, code_activation, wd,
                                               seed):
    k = data.draw(st.integers(1, sizes[-1]))
    X = np.random.default_rng(seed).random((6, 5))
    model = npae.KSparseAutoencoder(hidden=tuple(sizes[:-1]), latent_dim=sizes[-1], k=k, selection=selection, tied=tied,
                                    code_activation=code_activation, activation="tanh",
                                    weight_decay=wd, random_state=seed).initialize(X)
    # The support must not change under the ±1e-6 steps of the check: require a
    # gap between the k-th and (k+1)-th score of every row.
    Z = model.encoder_.forward(model.params_, X, batch)[0]
    S = np.sort(Z if selection == "value" else np.abs(Z), axis=1)[:, ::-1]
    if k < S.shape[1]:
        assume(np.min(S[:, k - 1] - S[:, k]) > 1e-4)
    for vectorized in (True, False):
        report = check_gradients(model, X, vectorized=vectorized)
        assert report.passed, report
    lb, gb = model.loss_and_grads(X, vectorized=True)
    lr, gr = model.loss_and_grads(X, vectorized=False)
    assert abs(lb - lr) <= 1e-12 * max(1.0, lb)
    for name in gb:
        assert np.linalg.norm(gb[name] - gr[name]) <= 1e-12 * max(1.0, np.linalg.norm(gb[name]))


def test_loss_is_reconstruction_of_the_k_sparse_code():
    X = np.random.default_rng(0).random((10, 6))
    m = npae.KSparseAutoencoder(hidden=(), latent_dim=5, k=2, transform_k_factor=2.0).initialize(X)
    p = m.params_
    Z = X @ p["encoder.0.W"] + p["encoder.0.b"]
    Zk = Z * reference_mask(Z, 2)
    X_hat = Zk @ p["decoder.0.W"] + p["decoder.0.b"]
    assert m.loss_terms(X)["reconstruction"] == pytest.approx(squared_error(X_hat, X)[0],
                                                              rel=1e-13)
    # transform keeps round(α k) = 4 units; reconstruct decodes that code.
    np.testing.assert_allclose(m.transform(X), Z * reference_mask(Z, 4), rtol=1e-13)
    assert m.encoding_k_ == 4
    np.testing.assert_allclose(m.reconstruct(X), m.inverse_transform(m.transform(X)), rtol=1e-13)


def test_gradient_flows_only_through_kept_units():
    X = np.random.default_rng(0).random((12, 6))
    m = npae.KSparseAutoencoder(hidden=(), latent_dim=5, k=2).initialize(X)
    m.params_["encoder.0.b"][0] = -100.0  # unit 0 is never among the top 2 (by value)
    assert not k_sparse_mask(m.encoder_.forward(m.params_, X, batch)[0], 2)[:, 0].any()
    _, g = m.loss_and_grads(X)
    assert np.all(g["encoder.0.W"][:, 0] == 0) and g["encoder.0.b"][0] == 0
    assert np.all(g["decoder.0.W"][0] == 0)  # its zero code feeds nothing back
    assert np.abs(g["encoder.0.W"][:, 1:]).sum() > 0


def test_negative_control_gradient_through_every_unit_is_caught():
    class Leaky(npae.KSparseAutoencoder):
        """Forgets the mask on the way back: gradient to the dropped units too."""

        def _loss(self, params, X, y, rng, ops, grads):
            Z, enc_cache = self.encoder_.forward(params, X, ops)
            mask = k_sparse_mask(Z, self.k, self.selection)
            out, dec_cache = self.decoder_.forward(params, Z * mask, ops)
            rec, dout = self._reconstruction_loss(out, X)
            dZ = self.decoder_.backward(params, dec_cache, dout, grads, ops)
            self.encoder_.backward(params, enc_cache, dZ, grads, ops, need_dX=False)
            return {"reconstruction": rec}

    X = np.random.default_rng(3).random((8, 6))
    assert not check_gradients(Leaky(latent_dim=5, k=2).initialize(X), X).passed
    assert check_gradients(npae.KSparseAutoencoder(hidden=(), latent_dim=5, k=2).initialize(X), X).passed


# ---------------------------------------------------------- on the digits
def test_digits_codes_have_exactly_k_and_alpha_k_non_zeros():
    from npae.datasets import load_mnist
    X, _ = load_mnist(n=1500)
    Xtr, Xte = X[:1000], X[1000:]
    ae = npae.KSparseAutoencoder(hidden=(), latent_dim=100, k=10, transform_k_factor=3.0, tied=True, epochs=4,
                                 learning_rate=3e-3, batch_size=64, random_state=0)
    ae.initialize(Xtr)
    before = ae.loss_terms(Xte)["reconstruction"]
    ae.fit(Xtr)
    assert ae.loss_terms(Xte)["reconstruction"] < 0.5 * before
    Z = ae.transform(Xte)
    np.testing.assert_array_equal((Z != 0).sum(axis=1), 30)  # α·k at encoding time
    Zk = ae.encoder_.forward(ae.params_, Xte, batch)[0]
    np.testing.assert_array_equal((Zk * k_sparse_mask(Zk, 10) != 0).sum(axis=1), 10)
    ae.set_params(transform_k_factor=1.0)
    np.testing.assert_array_equal((ae.transform(Xte) != 0).sum(axis=1), 10)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(k=0), ValueError, "k must be an integer >= 1, got 0"),
    (dict(k=5), ValueError, "between 1 and the code size 4"),
    (dict(k=2.5), TypeError, "k must be an integer"),
    (dict(k=2, transform_k_factor=0.5), ValueError, "transform_k_factor must be"),
    (dict(k=2, transform_k_factor=3.0), ValueError, "keeps 6 units at encoding time"),
    (dict(k=2, selection="abs"), ValueError, r"selection must be one of \['magnitude', 'value'\], got 'abs'"),
])
def test_bad_hyperparameters(kwargs, exc, match):
    X = np.random.default_rng(0).random((5, 6))
    with pytest.raises(exc, match=match):
        npae.KSparseAutoencoder(hidden=(), latent_dim=4, **kwargs).fit(X)


def test_save_load_round_trip(tmp_path):
    X = np.random.default_rng(0).random((20, 6))
    m = npae.KSparseAutoencoder(hidden=(), latent_dim=5, k=2, transform_k_factor=2.0, selection="magnitude", epochs=2).fit(X)
    m2 = npae.load(m.save(tmp_path / "ks.npz"))
    np.testing.assert_array_equal(m2.transform(X), m.transform(X))


def test_tutorial_quick(tmp_path):
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "ksparse.py"))
    res = mod["main"](["--quick", "--quiet", "--out", str(tmp_path)])
    assert res["nonzeros_train"] == res["k"] and res["nonzeros_encode"] == res["alpha_k"]
    assert (tmp_path / "filters_ksparse.png").stat().st_size > 1000


def test_sklearn_clone_and_repr():
    clone = pytest.importorskip("sklearn.base").clone
    m = npae.KSparseAutoencoder(k=5, transform_k_factor=3.0, selection="magnitude")
    assert clone(m).get_params() == m.get_params()
    assert repr(m) == "KSparseAutoencoder(k=5, transform_k_factor=3.0, selection='magnitude')"


# ------------------------------------------------------ the k schedule
def test_k_schedule_falls_linearly_over_the_first_half_then_stays_at_k():
    X = np.random.default_rng(0).random((40, 8))
    m = npae.KSparseAutoencoder(hidden=(), latent_dim=20, k=2, k_start=12, epochs=8, random_state=0).fit(X)
    # T = floor(0.5 * 8) = 4 epochs: 12 -> 9.5 -> 7 -> 4.5 -> 2 (rounded half to even), then 2.
    assert m.history_["k"] == [12.0, 10.0, 7.0, 4.0, 2.0, 2.0, 2.0, 2.0]
    assert m._k_now == 2  # after fit, loss_and_grads uses the target k
    off = npae.KSparseAutoencoder(hidden=(), latent_dim=20, k=2, k_anneal=0.0, epochs=3).fit(X)
    assert off.history_["k"] == [2.0, 2.0, 2.0]
    auto = npae.KSparseAutoencoder(hidden=(), latent_dim=20, k=2, epochs=2).fit(X)
    assert auto.history_["k"][0] == 20.0  # "auto": min(code size, max(k, 100))


def test_dead_fraction_counts_units_never_selected():
    X = np.random.default_rng(1).random((30, 6))
    m = npae.KSparseAutoencoder(hidden=(), latent_dim=10, k=1, k_anneal=0.0, epochs=1, batch_size=30,
                                learning_rate=1e-12).fit(X)
    # One batch, parameters practically unchanged: the dead units are those that are
    # the largest code of no row.
    Z = m.encoder_.forward(m.params_, X, npae.nn.get_ops(True))[0]  # (30, 10)
    used = np.unique(np.argmax(Z, axis=1)).size
    assert m.history_["dead_fraction"] == [1.0 - used / 10]
    # With k = code size every unit is selected: none dead.
    full = npae.KSparseAutoencoder(hidden=(), latent_dim=10, k=10, epochs=2).fit(X)
    assert full.history_["dead_fraction"] == [0.0, 0.0]


def test_k_schedule_trains_every_unit_in_the_first_epochs_on_digits():
    """While k is large every unit is selected and trained (the schedule's purpose); at the
    target k alone, many units are never selected from the first epoch on.  (The figure at
    the end of training is measured in benchmarks/ksparse_classify.py.)"""
    X, _ = npae.load_mnist(n=600)
    kw = dict(hidden=(), latent_dim=200, k=5, tied=True, epochs=6, learning_rate=3e-3, random_state=0)
    on = npae.KSparseAutoencoder(**kw).fit(X).history_["dead_fraction"]
    off = npae.KSparseAutoencoder(k_anneal=0.0, **kw).fit(X).history_["dead_fraction"]
    assert on[0] < 0.05 < off[0]
