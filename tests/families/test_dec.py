"""Deep embedded clustering (Xie et al. 2016): the Student-t assignments and the
target, gradients on both paths with P held fixed (and a negative control), the
target refresh and the stopping rule, clustering of separated blobs, save/load."""

import numpy as np
import pytest

import npae
from npae import DeepEmbeddedClustering
from npae.gradcheck import check_gradients
from npae.metrics import clustering_accuracy, v_measure
from npae.families.dec import soft_assignments, target_distribution
from helpers import assert_paths_agree, blobs

X12 = np.random.default_rng(0).random((12, 7))


def test_soft_assignments_match_the_formula():
    rng = np.random.default_rng(1)
    Z, M = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    for alpha in (1.0, 2.5):
        Q, inv, diff = soft_assignments(Z, M, alpha)
        ref = np.array([[(1 + np.sum((z - m) ** 2) / alpha) ** (-(alpha + 1) / 2) for m in M]
                        for z in Z])
        np.testing.assert_allclose(Q, ref / ref.sum(axis=1, keepdims=True), rtol=1e-12)
        np.testing.assert_allclose(diff[2, 1], Z[2] - M[1])
    P = target_distribution(Q, Q.sum(axis=0))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # squaring sharpens: the most probable cluster gains (for equal frequencies)
    Qe = np.array([[0.6, 0.4], [0.4, 0.6]])
    assert target_distribution(Qe, Qe.sum(axis=0))[0, 0] > 0.6


def fitted(**kw):
    X, _ = blobs(n=40, k=3, d=5, std=1.0)
    settings = dict(hidden=(6,), latent_dim=2, activation="tanh", n_clusters=3, pretrain_epochs=3,
                    epochs=3, batch_size=8, learning_rate=0.01)
    return DeepEmbeddedClustering(**{**settings, **kw}).fit(X / 10), X / 10


@pytest.mark.parametrize("example", DeepEmbeddedClustering._examples)
def test_gradients_on_both_paths(example):
    m = DeepEmbeddedClustering(**example).initialize(X12)
    for vectorized in (True, False):
        report = check_gradients(m, X12, rng=0, vectorized=vectorized)
        assert report.passed, str(report)
    assert_paths_agree(m.loss_and_grads(X12)[1], m.loss_and_grads(X12, vectorized=False)[1])


def test_gradients_after_training_with_a_refreshed_target():
    m, X = fitted()
    assert m.loss_terms(X)["kl"] > 1e-4  # P and Q differ: a real check
    for vectorized in (True, False):
        report = check_gradients(m, X[:10], rng=0, vectorized=vectorized)
        assert report.passed, str(report)


def test_the_checker_catches_a_wrong_centre_gradient():
    class Wrong(DeepEmbeddedClustering):
        def _loss(self, params, X, y, rng, ops, grads):
            terms = super()._loss(params, X, y, rng, ops, grads)
            grads["clusters.centers"] *= 1.1
            return terms

    m = Wrong(**DeepEmbeddedClustering._examples[0]).initialize(X12)
    report = check_gradients(m, X12, rng=0)
    assert not report.passed and report["clusters.centers"].verdict == "FAIL"


def test_target_is_state_held_fixed_and_refreshed():
    m, X = fitted(epochs=0)
    P0 = m._target(X)
    m.params_["encoder.0.W"] += 0.5  # moving the parameters moves Q, not P
    np.testing.assert_array_equal(m._target(X), P0)
    np.testing.assert_allclose(m.predict_proba(X),
                               soft_assignments(m.transform(X), m.cluster_centers_, 1.0)[0])
    # refreshing at a training epoch freezes the current parameters
    m2, _ = fitted(epochs=4, update_interval=2, assignment_tol=0.0)
    assert m2.history_["changed"][0] == 0.0 and len(m2.history_["kl"]) == 4
    assert not np.array_equal(m2.target_theta_, m2._flat.flat)  # last refresh at epoch 2


def test_stopping_rule_on_changed_assignments():
    m, _ = fitted(epochs=50, assignment_tol=1.0)  # every refresh counts as converged: stop at epoch 1
    assert len(m.history_["kl"]) == 1
    m, _ = fitted(epochs=3, assignment_tol=0.0)  # never converged: every epoch runs
    assert len(m.history_["kl"]) == 3


def test_clusters_separated_blobs():
    X, y = blobs(n=300, k=4, d=8, std=1.0, seed=3)
    X = (X - X.min()) / (X.max() - X.min())
    dec = DeepEmbeddedClustering(hidden=(16,), latent_dim=3, activation="tanh", n_clusters=4,
                                 pretrain_epochs=30, epochs=10, batch_size=32,
                                 learning_rate=1e-2, random_state=0).fit(X)
    assert v_measure(y, dec.labels_) > 0.9 and clustering_accuracy(y, dec.labels_) > 0.9
    np.testing.assert_array_equal(dec.labels_, dec.predict(X))
    P = dec.predict_proba(X)
    assert P.shape == (300, 4) and np.allclose(P.sum(axis=1), 1.0)
    assert dec.cluster_centers_.shape == (4, 3) and dec.init_labels_.shape == (300,)
    # the same seed gives the same clustering
    again = DeepEmbeddedClustering(**dec.get_params()).fit(X)
    np.testing.assert_array_equal(again.labels_, dec.labels_)


def test_save_load_and_bad_input(tmp_path):
    m, X = fitted()
    m.save(tmp_path / "dec.npz")
    m2 = npae.load(tmp_path / "dec.npz")
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))
    np.testing.assert_array_equal(m2._target(X), m._target(X))
    with pytest.raises(ValueError, match="n_clusters=20 exceeds"):
        DeepEmbeddedClustering(hidden=(3,), latent_dim=2, n_clusters=20, pretrain_epochs=0).fit(X12)
    with pytest.raises(ValueError, match="pretrain"):
        DeepEmbeddedClustering(pretrain="rbm").fit(X12)


def test_stacked_denoising_pretraining_is_the_stack_fine_tuned():
    from npae import pretrain_stack

    kw = dict(hidden=(6,), latent_dim=2, activation="tanh", pretrain_epochs=2, batch_size=8,
              learning_rate=0.01)
    dec = DeepEmbeddedClustering(n_clusters=3, pretrain="stacked_denoising", epochs=0,
                                 **kw).initialize(X12)
    seed = int(np.random.default_rng(0).integers(2**31 - 1))
    ae = pretrain_stack(X12, (6,), 2, family="denoising", code_activation="identity",
                        layer_params={"noise": "masking", "corruption_level": 0.2}, activation="tanh",
                        pretrain_epochs=2, finetune_epochs=2, random_state=seed, batch_size=8,
                        learning_rate=0.01)
    for name, value in ae.params_.items():
        np.testing.assert_array_equal(dec.params_[name], value)
    with pytest.raises(ValueError, match="mirrored, untied"):
        DeepEmbeddedClustering(pretrain="stacked_denoising", tied=True).fit(X12)
