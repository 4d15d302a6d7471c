"""Tests for the one-class neural network family (Chalapathy et al. 2018)."""

import numpy as np
import pytest

import npae
from npae.datasets import make_anomalies
from npae.gradcheck import check_gradient
from helpers import assert_paths_agree

X12 = np.random.default_rng(0).random((12, 7))


@pytest.mark.parametrize("example", npae.OneClassNeuralNetwork._examples)
def test_ocnn_gradients_both_paths(example):
    m = npae.OneClassNeuralNetwork(**example).initialize(X12)
    for vectorized in (True, False):
        report = npae.check_gradients(m, X12, vectorized=vectorized)
        assert report.passed and report.max_rel_error < 1e-6, str(report)
    assert_paths_agree(m.loss_and_grads(X12)[1], m.loss_and_grads(X12, vectorized=False)[1])
    terms = m.loss_terms(X12)
    assert set(terms) >= {"hinge", "ocnn_weights", "minus_r"}
    assert sum(terms.values()) == pytest.approx(m.loss_and_grads(X12)[0])


@pytest.mark.parametrize("r, active", [(-1e3, 0), (1e3, 12)])
def test_ocnn_terms_alone(r, active):
    """r far below every ŷ: the hinge is off (the weight penalty alone); far above: on for all rows."""
    m = npae.OneClassNeuralNetwork(hidden=(5,), latent_dim=3, head_units=4, nu=0.5).initialize(X12)
    m.r_ = r
    for vectorized in (True, False):
        assert npae.check_gradients(m, X12, vectorized=vectorized).passed
    grads = m.loss_and_grads(X12)[1]
    if active == 0:  # only 1/2 |V|^2 + 1/2 |w|^2: the gradient is the weights themselves
        np.testing.assert_allclose(grads["ocnn.V"], m.params_["ocnn.V"], rtol=1e-12)
        np.testing.assert_allclose(grads["ocnn.w"], m.params_["ocnn.w"], rtol=1e-12)
        assert np.all(grads["encoder.0.W"] == 0)
    else:
        assert m.loss_terms(X12)["hinge"] > 0


def test_ocnn_negative_control():
    m = npae.OneClassNeuralNetwork(hidden=(5,), latent_dim=3, head_units=4, nu=0.2).initialize(X12)

    def wrong(params):
        for k, v in params.items():
            m.params_[k][...] = v
        loss, g = m.loss_and_grads(X12)
        g["ocnn.V"] = g["ocnn.V"] * 1.01
        return loss, g

    assert not check_gradient(wrong, {k: v.copy() for k, v in m.params_.items()}).passed


def test_ocnn_training_sets_the_nu_quantile_and_detects():
    X, y = make_anomalies(300, 4, contamination=0.05, rng=1)
    mu, sd = X.mean(axis=0), X.std(axis=0)
    Xs = (X - mu) / sd
    m = npae.OneClassNeuralNetwork(hidden=(16,), latent_dim=3, nu=0.1, epochs=40, pretrain_epochs=10,
                                   batch_size=32, learning_rate=3e-3).fit(Xs)
    outside = np.mean(m.score_samples(Xs) < 0)
    assert outside == pytest.approx(0.1, abs=1.5 / 300)  # r is the nu-quantile of the scores
    assert len(m.history_["r"]) == 40
    assert npae.metrics.roc_auc(y, -m.score_samples(Xs)) > 0.9
    det = npae.OutlierDetector(estimator=npae.OneClassNeuralNetwork(
        hidden=(16,), latent_dim=3, epochs=20, pretrain_epochs=5, batch_size=32)).fit(X)
    assert det.score_ == "model"
    with pytest.raises(ValueError, match="nu"):
        npae.OneClassNeuralNetwork(nu=0.0).fit(Xs)
