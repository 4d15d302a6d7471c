"""What check_array refuses and why; the [0, 1] rule only where a Bernoulli
likelihood is evaluated; finite inputs whose outputs overflow."""

import warnings

import numpy as np
import pytest

from npae import Autoencoder, VariationalAutoencoder
from npae._validation import check_array

X = np.random.default_rng(0).random((10, 3))


@pytest.mark.parametrize("data,exc,pattern", [
    (np.ma.array(X, mask=X > 0.9), TypeError, r"masked array, and npae would ignore its mask"),
    (np.ones((3, 2), dtype="m8[s]"), TypeError, r"timedelta64\[s\] values .*np.timedelta64\(1, 's'\)"),
    (np.ones((3, 2), dtype="M8[D]"), TypeError, r"datetime64\[D\] values .*subtract a reference date"),
    ([[1.0, 2.0], [3.0]], ValueError, r"rectangular array of numbers; its rows have different"),
    (np.ones((3, 2), dtype=np.complex64), TypeError, r"complex \(complex64\).*X.real"),
    (np.array([[1.0, "a"], [2.0, 3.0]], dtype=object), TypeError,
     r"object array holding str values such as 'a'"),
    (np.array([[1.0, None], [2.0, 3.0]], dtype=object), TypeError, r"holding NoneType values"),
    (np.array([[1.0, 1j], [2.0, 3.0]], dtype=object), ValueError, r"Complex data not supported"),
    (np.array([[1.0, [2]], [2.0, 3.0]], dtype=object), TypeError, r"holding list values"),
    (np.array([["1", "2"]]), TypeError, r"must hold numbers, got dtype <U1"),
])
def test_refused_inputs_name_what_arrived_and_the_fix(data, exc, pattern):
    with pytest.raises(exc, match=pattern):
        check_array(data)
    with pytest.raises(exc, match=pattern):
        Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(data)


def test_numeric_object_arrays_are_converted_as_scikit_learn_does():
    boxed = np.array([[1, 2.5], [np.float32(3), True]], dtype=object)
    out = check_array(boxed)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.5], [3.0, 1.0]])


def test_a_masked_array_is_refused_at_every_entry_point():
    ae = Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(X)
    masked = np.ma.array(X, mask=np.zeros_like(X, dtype=bool))
    for call in (ae.transform, ae.reconstruct, ae.score_samples, ae.loss_and_grads):
        with pytest.raises(TypeError, match="masked array"):
            call(masked)


def test_bce_model_transforms_rows_outside_the_unit_interval_but_refuses_them_as_targets():
    ae = Autoencoder(hidden=(), latent_dim=2, loss="bce", epochs=1).fit(X)
    outside = X * 1.2 - 0.1  # test rows a MinMaxScaler maps slightly outside [0, 1]
    assert ae.transform(outside).shape == (10, 2)
    assert ae.reconstruct(outside).shape == (10, 3)
    assert ae.score_samples(outside).shape == (10,)  # a squared error: no likelihood
    for call in (ae.loss_and_grads, ae.loss_terms, ae.fit):
        with pytest.raises(ValueError, match=r"needs targets in \[0, 1\]"):
            call(outside)


def test_vae_bernoulli_scores_refuse_rows_outside_the_unit_interval():
    vae = VariationalAutoencoder(latent_dim=2, hidden=(3,), epochs=1).fit(X)
    assert vae.transform(X * 2).shape == (10, 2)  # encoding evaluates no likelihood
    with pytest.raises(ValueError, match=r"needs targets in \[0, 1\]"):
        vae.score_samples(X * 2)  # the ELBO evaluates the Bernoulli likelihood


def test_pipeline_minmax_scaler_then_bce_autoencoder_on_test_data():
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler

    rng = np.random.default_rng(1)
    train, test = rng.normal(size=(30, 4)), rng.normal(size=(10, 4)) * 3
    pipe = Pipeline([("scale", MinMaxScaler()),
                     ("ae", Autoencoder(hidden=(), latent_dim=2, loss="bce", epochs=2))]).fit(train)
    scaled = pipe[:-1].transform(test)
    assert scaled.min() < 0 or scaled.max() > 1  # the test rows do leave [0, 1]
    assert pipe.transform(test).shape == (10, 2)
    assert np.all(np.isfinite(pipe.score_samples(test)))


@pytest.mark.parametrize("call", ["transform", "reconstruct", "reconstruction_error",
                                  "score_samples"])
def test_finite_input_whose_output_overflows_is_a_clear_error(call):
    ae = Autoencoder(hidden=(), latent_dim=2, activation="identity", output_activation="identity",
                     epochs=1).fit(X)
    for k, v in ae.params_.items():
        v[...] = 10.0 if k.endswith(".W") else 0.0
    huge = np.full((2, 3), 1e308)  # finite; 30 times it is not
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either: one clear error
        with pytest.raises(ValueError, match=r"overflowed to inf or NaN in float64 \(the input "
                                             r"reaches \|x\| = 1e\+308"):
            getattr(ae, call)(huge)


def test_inverse_transform_of_huge_codes_is_a_clear_error():
    ae = Autoencoder(hidden=(), latent_dim=2, activation="identity", epochs=1, dtype="float32").fit(X)
    with pytest.raises(ValueError, match="reconstruction overflowed to inf or NaN in float32"):
        ae.inverse_transform(np.full((2, 2), 3e38))
