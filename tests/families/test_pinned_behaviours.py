"""Behaviours that no test pinned before (issue 23): each test here fails when its
behaviour is broken (checked by planting the bug by hand)."""

import numpy as np
import pytest

import npae
from npae.classical.robust_pca import principal_component_pursuit
from npae.estimator.fitting import split_validation
from npae.estimator.streams import random_streams
from npae.families.vade import mixture_kl
from npae.terms.mmd import _sq_dists, rbf_mmd2

from helpers import blobs


def test_dec_refreshes_its_target_exactly_every_update_interval_epochs():
    X, _ = blobs(n=60, k=3, d=4)
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    targets = []
    dec = npae.DeepEmbeddedClustering(
        hidden=(5,), latent_dim=2, n_clusters=3, pretrain="plain", pretrain_epochs=2,
        update_interval=3, assignment_tol=0.0, epochs=8, batch_size=20, activation="tanh",
        callbacks=[lambda model, epoch, logs: targets.append(model.target_theta_.copy())])
    dec.fit(X)
    assert len(targets) == 8
    refreshed = [e for e in range(1, 8) if not np.array_equal(targets[e], targets[e - 1])]
    assert refreshed == [3, 6]  # at the start of epochs 3 and 6, never in between


def test_rbf_mmd2_default_bandwidth_is_the_median_distance_within_the_second_sample():
    rng = np.random.default_rng(0)
    A, B = 5.0 * rng.normal(size=(40, 2)), rng.normal(size=(50, 2))  # spreads 5 : 1
    med_B = float(np.sqrt(np.median(_sq_dists(B, B)[np.triu_indices(50, 1)])))
    med_A = float(np.sqrt(np.median(_sq_dists(A, A)[np.triu_indices(40, 1)])))
    assert rbf_mmd2(A, B) == rbf_mmd2(A, B, bandwidth=med_B)
    assert rbf_mmd2(A, B) == rbf_mmd2(A, B, "median")
    assert abs(rbf_mmd2(A, B) - rbf_mmd2(A, B, bandwidth=med_A)) > 1e-3  # not A's yardstick
    # the WAE's RBF scale comes from its prior (σ_z²), never from the codes
    wae = npae.WassersteinAutoencoder(kernel="rbf", prior_scale=0.5, latent_dim=2)
    assert wae._scales() == (0.25,)


def _vade():
    X = np.random.default_rng(0).random((30, 5))
    return npae.VariationalDeepEmbedding(latent_dim=2, hidden=(4,), n_components=3,
                                         pretrain_epochs=1, epochs=2, activation="tanh").fit(X), X


def test_vade_bounds_use_normalised_mixture_weights():
    vade, X = _vade()
    before = (vade.elbo(X, rng=0), vade.log_likelihood(X, n_samples=5, rng=0), vade.weights_)
    vade.params_["prior.logits"] += 7.0  # the same π: softmax ignores a shift
    after = (vade.elbo(X, rng=0), vade.log_likelihood(X, n_samples=5, rng=0), vade.weights_)
    for b, a in zip(before, after):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vade.weights_.sum(), 1.0, rtol=1e-15)


def test_vade_responsibilities_stay_finite_for_codes_far_from_every_component():
    rng = np.random.default_rng(1)
    means, log_var = rng.normal(size=(3, 2)), np.full((3, 2), -2.0)
    mu = np.array([[1e4, -1e4], [3e3, 0.0], [0.0, 0.0]])  # far, far, near
    kl, resp, *grads = mixture_kl(mu, np.zeros((3, 2)), np.log([0.5, 0.3, 0.2]), means, log_var)
    assert np.all(np.isfinite(resp)) and np.all(np.isfinite(kl))
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-12)
    assert all(np.all(np.isfinite(g)) for g in grads)
    # the far code goes to the component nearest it in the Mahalanobis sense
    d2 = np.sum((mu[0] - means) ** 2 * np.exp(2.0), axis=1)
    assert np.argmax(resp[0]) == np.argmin(d2)


def test_vade_samples_components_by_their_weights():
    vade, _ = _vade()
    vade.params_["prior.means"][...] = [[-50.0, 0.0], [0.0, 0.0], [50.0, 0.0]]
    vade.params_["prior.log_var"][...] = -4.0
    vade.params_["prior.logits"][...] = np.log([0.7, 0.2, 0.1])
    n = 4000
    z = vade._sample_prior(n, np.random.default_rng(0))
    counts = np.bincount(np.argmin(np.abs(z[:, :1] - [-50.0, 0.0, 50.0]), axis=1), minlength=3)
    for count, p in zip(counts, (0.7, 0.2, 0.1)):  # within 5 binomial standard deviations
        assert abs(count - n * p) < 5 * np.sqrt(n * p * (1 - p)), counts


def test_dagmm_score_samples_is_minus_the_energy_higher_for_normal_rows():
    X, _ = blobs(n=120, k=2, d=4, std=0.3)
    X = (X - X.mean(0)) / X.std(0)
    dagmm = npae.DeepAutoencodingGMM(hidden=(6,), latent_dim=2, n_components=2,
                                     estimation_hidden=(4,), epochs=30, random_state=0).fit(X)
    far = X[:5] + 40.0
    np.testing.assert_array_equal(dagmm.score_samples(X), -dagmm.energy(X))
    assert np.max(dagmm.score_samples(far)) < np.median(dagmm.score_samples(X))


@pytest.mark.parametrize("shape", [(40, 5), (5, 40)])
def test_robust_pca_default_lambda_is_one_over_root_of_the_larger_side(shape):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(shape[0], 2)) @ rng.normal(size=(2, shape[1]))
    X[rng.random(shape) < 0.1] += 5.0
    L, S, _ = principal_component_pursuit(X)
    L1, S1, _ = principal_component_pursuit(X, lam=1.0 / np.sqrt(max(shape)))
    L2, S2, _ = principal_component_pursuit(X, lam=1.0 / np.sqrt(min(shape)))
    np.testing.assert_array_equal(L, L1)
    np.testing.assert_array_equal(S, S1)
    assert not np.array_equal(S, S2)


def test_validation_fraction_holds_out_a_random_subset_not_the_first_rows():
    X = np.random.default_rng(0).random((40, 4))
    model = npae.Autoencoder(hidden=(), latent_dim=2, epochs=1, validation_fraction=0.25,
                             random_state=3).fit(X)
    rows, (Xv, _) = split_validation(model, X, None, random_streams(3).split)
    held = sorted(set(range(40)) - set(rows.tolist()))
    assert len(held) == 10 and held != list(range(10)) and held != list(range(30, 40))
    np.testing.assert_array_equal(Xv, X[held])
    # the val_loss that fit recorded is that of these rows
    assert model.history_["val_loss"][-1] == pytest.approx(model._total(model.loss_terms(Xv)),
                                                           rel=1e-12)
    assert model.history_["val_loss"][-1] != pytest.approx(
        model._total(model.loss_terms(X[:10])), rel=1e-6)
