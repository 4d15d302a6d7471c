"""Every bad input gets the documented error with a message that says what was
expected and how to fix it (DESIGN.md, "Errors"); training that blows up stops
with TrainingDivergedError naming the epoch."""

import re

import numpy as np
import pytest

import npae
from npae import Autoencoder, NotFittedError, TrainingDivergedError
from npae._validation import check_array, check_choice, check_positive, check_rng


@pytest.fixture
def X():
    return np.random.default_rng(0).random((12, 4))


@pytest.fixture
def fitted(X):
    return Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(X)


# ------------------------------------------------------------------ data arrays
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused_at_fit_and_transform(X, fitted, bad):
    Xb = X.copy()
    Xb[3, 1] = bad
    Xb[5, 2] = bad
    with pytest.raises(ValueError, match=r"X contains 2 NaN or infinite value\(s\); remove or impute"):
        Autoencoder(hidden=(), latent_dim=2).fit(Xb)
    for method in (fitted.transform, fitted.reconstruct, fitted.reconstruction_error,
                   fitted.score_samples, fitted.loss_and_grads):
        with pytest.raises(ValueError, match="NaN or infinite"):
            method(Xb)


def test_one_dimensional_input_suggests_reshape(fitted):
    with pytest.raises(ValueError, match=r"2-D of shape \(n_samples, n_features\), got shape "
                                         r"\(4,\); Reshape your data with X.reshape\(1, -1\)"):
        fitted.transform(np.zeros(4))
    with pytest.raises(ValueError, match="got shape"):
        Autoencoder().fit(np.arange(5.0))


def test_three_dimensional_input_suggests_flattening():
    images = np.zeros((6, 3, 3))
    with pytest.raises(ValueError, match=r"got shape \(6, 3, 3\); flatten images first"):
        Autoencoder(hidden=(), latent_dim=2).fit(images)


def test_scalar_input_is_a_rank_error():
    with pytest.raises(ValueError, match=r"2-D.*got shape \(\)"):
        Autoencoder().fit(3.0)


def test_wrong_feature_count_at_transform_time(fitted, X):
    msg = (r"X has 5 features, but Autoencoder is expecting 4 features as input \(it was fitted "
           r"with 4\); pass data with the same columns")
    for method in (fitted.transform, fitted.reconstruct, fitted.reconstruction_error,
                   fitted.score_samples, fitted.loss_and_grads, fitted.loss_terms):
        with pytest.raises(ValueError, match=msg):
            method(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"Z has 3 features \(columns\), but this model's codes have 2 \(its "
                                         r"code size\); pass codes as returned by transform\(\)"):
        fitted.inverse_transform(np.zeros((3, 3)))


def test_empty_arrays():
    with pytest.raises(ValueError, match=r"X has 0 sample\(s\) \(shape=\(0, 4\)\) while a minimum of 1 samples is required"):
        Autoencoder().fit(np.empty((0, 4)))
    with pytest.raises(ValueError, match=r"X has 0 feature\(s\) \(shape=\(5, 0\)\) while a minimum of 1 is required"):
        Autoencoder().fit(np.empty((5, 0)))
    with pytest.raises(ValueError, match="2-D"):  # np.asarray([]) is 1-D
        Autoencoder().fit([])


@pytest.mark.parametrize("data", [
    np.array([["a", "b"], ["c", "d"]]),
    [["1", "2"], ["3", "4"]],
])
def test_non_numeric_dtype_is_a_type_error(data):
    with pytest.raises(TypeError, match=r"X must hold numbers, got dtype .*np.asarray\(X, dtype=float\)"):
        Autoencoder().fit(data)


def test_complex_and_sparse_inputs():
    with pytest.raises(TypeError, match="complex"):
        Autoencoder().fit(np.ones((3, 2), dtype=complex))
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match=r"sparse matrix; pass a dense array \(X.toarray\(\)\)"):
        Autoencoder().fit(scipy_sparse.csr_matrix(np.eye(3)))


def test_lists_ints_and_bools_are_accepted_and_cast_to_the_model_dtype():
    for data in ([[0, 1], [1, 0], [1, 1]], np.eye(3, dtype=np.int8), np.eye(3, dtype=bool)):
        ae = Autoencoder(hidden=(), latent_dim=1, epochs=1, dtype="float32").fit(data)
        assert ae.transform(data).dtype == np.float32


@pytest.mark.parametrize("low,high", [(-0.5, 1.0), (0.0, 1.5), (0.0, 255.0)])
def test_bce_targets_outside_unit_interval(low, high):
    X = np.random.default_rng(1).uniform(low, high, size=(8, 3))
    X[0, 0], X[1, 1] = low, high
    with pytest.raises(ValueError, match=rf"X has values in \[{low:.4g}, {high:.4g}\], but a "
                                         r"Bernoulli likelihood \(loss='bce'\) needs targets in "
                                         r"\[0, 1\]; rescale the data"):
        Autoencoder(loss="bce").fit(X)
    # The same data is fine for the squared error.
    Autoencoder(hidden=(), latent_dim=2, loss="mse", epochs=1).fit(X)


def test_bce_targets_checked_at_transform_and_for_validation_data():
    X = np.random.default_rng(1).random((8, 3))
    ae = Autoencoder(hidden=(), latent_dim=2, loss="bce", epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"needs targets in \[0, 1\]"):
        ae.loss_and_grads(X * 2)
    with pytest.raises(ValueError, match=r"validation_data has values in .*\[0, 1\]"):
        Autoencoder(hidden=(), latent_dim=2, loss="bce", epochs=1, validation_data=X - 1).fit(X)


def test_validation_data_is_validated_like_X():
    X = np.random.default_rng(1).random((8, 3))
    with pytest.raises(ValueError, match="validation_data has 2 features, but Autoencoder is expecting 3 features"):
        Autoencoder(hidden=(), latent_dim=2, epochs=1, validation_data=np.zeros((4, 2))).fit(X)
    with pytest.raises(ValueError, match="validation_data contains 3 NaN"):
        Autoencoder(hidden=(), latent_dim=2, epochs=1, validation_data=np.full((1, 3), np.nan)).fit(X)


# ------------------------------------------------------------- names and choices
@pytest.mark.parametrize("kwargs,pattern", [
    (dict(activation="relu6"), r"activation must be one of \[.*'sigmoid'.*'tanh'\], got 'relu6'"),
    (dict(code_activation="gelu"), r"code_activation must be None or one of \[.*\], got 'gelu'"),
    (dict(output_activation="swish"), r"output_activation must be None or one of \[.*\], got 'swish'"),
    (dict(loss="mae"), r"loss must be one of \['bce', 'mse'\], got 'mae'"),
    (dict(optimizer="adagrad"), r"optimizer must be one of \['adam', 'lbfgs', 'momentum', 'sgd'\] "
                                r"or an object with method\(s\) step\(\), got 'adagrad'"),
    (dict(init="lecun"), r"init must be one of \['auto', 'glorot', 'he'\], got 'lecun'"),
])
def test_unknown_names(X, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Autoencoder(hidden=(), latent_dim=2, epochs=1, **kwargs).fit(X)
    with pytest.raises(ValueError, match=pattern):
        Autoencoder(hidden=(), latent_dim=2, **kwargs).initialize(X)


def test_bce_needs_sigmoid_output(X):
    with pytest.raises(ValueError, match=r"loss='bce' computes the Bernoulli likelihood from logits.*"
                                         r"got output_activation='tanh'. Leave it None or use loss='mse'"):
        Autoencoder(loss="bce", output_activation="tanh").fit(X)
    # Explicit "sigmoid" is the one accepted spelling.
    Autoencoder(hidden=(), latent_dim=2, loss="bce", output_activation="sigmoid", epochs=1).fit(X)


# ----------------------------------------------------------- hyperparameters
@pytest.mark.parametrize("kwargs,exc,pattern", [
    (dict(epochs=-1), ValueError, r"Autoencoder: epochs must be an integer >= 0, got -1"),
    (dict(epochs=2.5), TypeError, r"epochs must be an integer >= 0, got 2.5"),
    (dict(epochs=True), TypeError, r"epochs must be an integer >= 0, got True"),
    (dict(batch_size=0), ValueError, r"batch_size must be an integer >= 1, got 0"),
    (dict(batch_size=-3), ValueError, r"batch_size must be an integer >= 1, got -3"),
    (dict(learning_rate=0.0), ValueError, r"learning_rate must be a finite number > 0, got 0.0"),
    (dict(learning_rate=-1e-3), ValueError, r"learning_rate must be a finite number > 0"),
    (dict(learning_rate=np.nan), ValueError, r"learning_rate must be a finite number > 0, got nan"),
    (dict(learning_rate="fast"), TypeError, r"learning_rate must be a finite number > 0, got 'fast' "
                                            r"\(a string\)"),
    (dict(weight_decay=-1.0), ValueError, r"weight_decay must be a finite number >= 0"),
    (dict(dtype="float16"), ValueError, r"dtype must be 'float64' or 'float32', got 'float16'"),
    (dict(latent_dim=0), ValueError, r"latent_dim must be an integer >= 1, got 0"),
    (dict(hidden=(4, 0), latent_dim=2), ValueError, r"hidden must be an int or a tuple of positive ints \(or \(\)\), got \(4, 0\)"),
    (dict(hidden="big", latent_dim=2), TypeError, r"hidden must be an int or a tuple of positive ints \(or \(\)\), got 'big'"),
    (dict(decoder_hidden=(3, -1)), ValueError, r"decoder_hidden must be None or an int or a tuple of "
                                               r"positive ints \(or \(\)\), got \(3, -1\)"),
    (dict(hidden=(3,), latent_dim=2, tied=True, decoder_hidden=(4,)), ValueError,
     r"tied=True needs a mirrored decoder; leave decoder_hidden=None"),
    (dict(random_state="seed"), TypeError, r"random_state must be an int seed >= 0, None or a "
                                           r"np.random.Generator, got 'seed'"),
    (dict(random_state=np.random.RandomState(0)), TypeError, r"random_state must be an int seed >= 0, "
                                                             r"None or a np.random.Generator, got RandomState"),
])
def test_invalid_hyperparameters(X, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        Autoencoder(**kwargs).fit(X)


def test_hyperparameters_are_not_validated_in_init():
    # scikit-learn convention: __init__ stores, fit validates (so set_params/clone work).
    ae = Autoencoder(epochs=-1, loss="nope", hidden=())
    assert ae.epochs == -1 and ae.loss == "nope" and ae.hidden == ()


def test_tied_with_the_mirrored_decoder_spelled_out_is_fine(X):
    ae = Autoencoder(hidden=(3,), latent_dim=2, decoder_hidden=(3,), tied=True, epochs=1).fit(X)
    assert "decoder.0.W" not in ae.params_ and "decoder.1.b" in ae.params_


def test_helpers_directly():
    with pytest.raises(ValueError, match="unknown colour 'red'; expected one of \\['blue'\\]"):
        check_choice("red", "colour", {"blue"})
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        check_positive(0, "k", integer=True)
    with pytest.raises(ValueError, match=r"lr must be > 0.0, got 0.0"):
        check_positive(0.0, "lr")
    assert check_positive(0, "k", integer=True, allow_zero=True) == 0
    assert check_positive(np.int64(3), "k", integer=True) == 3
    g = np.random.default_rng(0)
    assert check_rng(g) is g
    assert check_rng(np.random.SeedSequence(1)).integers(10**9) == \
        np.random.default_rng(np.random.SeedSequence(1)).integers(10**9)
    out = check_array([[1, 2], [3, 4]], dtype=np.float32)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    with pytest.raises(ValueError, match=r"Z has 1 sample\(s\) \(shape=\(1, 3\)\) while a minimum of 2 samples is required"):
        check_array(np.ones((1, 3)), name="Z", min_samples=2)


# ----------------------------------------------------------------- not fitted
@pytest.mark.parametrize("call", [
    lambda ae, X: ae.transform(X),
    lambda ae, X: ae.inverse_transform(X[:, :2]),
    lambda ae, X: ae.reconstruct(X),
    lambda ae, X: ae.reconstruction_error(X),
    lambda ae, X: ae.score_samples(X),
    lambda ae, X: ae.loss_and_grads(X),
    lambda ae, X: ae.loss_terms(X),
    lambda ae, X: ae.save("never-written.npz"),
    lambda ae, X: ae.code_size_,
])
def test_not_fitted(X, call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ae = Autoencoder(hidden=(), latent_dim=2)
    with pytest.raises(NotFittedError, match=r"this Autoencoder is not fitted yet; call fit\(X\) first"):
        call(ae, X)
    assert not (tmp_path / "never-written.npz").exists()


def test_not_fitted_error_is_both_value_and_attribute_error(X):
    # ValueError/AttributeError as in scikit-learn, so hasattr() is False on an unfitted model.
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    assert not hasattr(Autoencoder(), "code_size_")
    assert Autoencoder(hidden=(), latent_dim=2).initialize(X).code_size_ == 2


def test_gradcheck_needs_an_initialized_float64_model(X):
    with pytest.raises(ValueError, match=r"initialize the model first: model.initialize\(X\)"):
        npae.check_gradients(Autoencoder(), X)
    ae32 = Autoencoder(hidden=(), latent_dim=2, dtype="float32").initialize(X)
    with pytest.raises(TypeError, match="check gradients in float64"):
        npae.check_gradients(ae32, X)


# ------------------------------------------------------------------ divergence
def test_divergence_on_unscaled_data_names_the_epoch_and_suggests_a_smaller_rate():
    from npae.datasets import load_mnist

    X, _ = load_mnist(n=200)
    ae = Autoencoder(hidden=(), latent_dim=8, optimizer="sgd", learning_rate=1e6, epochs=60, batch_size=200)
    with np.errstate(all="ignore"), \
            pytest.raises(TrainingDivergedError,
                          match=r"at epoch 1 "
                                r"\(learning_rate=1000000.0\); no epoch of this fit stayed within "
                                r"the bound, so the model is unchanged \(still not fitted\)\. "
                                r"Try a smaller learning_rate") as info:
        ae.fit(X * 255.0)  # pixel values, not rescaled to [0, 1]
    assert isinstance(info.value, FloatingPointError) and info.value.epoch == 0
    with pytest.raises(NotFittedError):  # the message is true: nothing was installed
        ae.transform(X)


def test_divergence_in_the_very_last_step_is_not_returned_silently():
    # One full-batch step whose update overflows the weights: the loss of that
    # batch was still finite, but the model that fit() would hand back is not.
    X = np.random.default_rng(0).random((20, 5)) * 100
    ae = Autoencoder(hidden=(), latent_dim=3, activation="identity", optimizer="sgd",
                     learning_rate=1e306, epochs=1, batch_size=20)
    with np.errstate(all="ignore"), \
            pytest.raises(TrainingDivergedError, match="at epoch 1 .*smaller learning_rate"):
        ae.fit(X)


def test_lbfgs_divergence_or_success_never_leaves_non_finite_parameters():
    X = np.random.default_rng(0).random((20, 5)) * 1e3
    ae = Autoencoder(hidden=(), latent_dim=3, optimizer="lbfgs", epochs=5)
    with np.errstate(all="ignore"):
        try:
            ae.fit(X)
        except TrainingDivergedError as exc:
            assert "smaller learning_rate" in str(exc)
        else:
            assert all(np.all(np.isfinite(v)) for v in ae.params_.values())


@pytest.mark.parametrize("kwargs,exc,pattern", [
    (dict(hidden=(3.7,), latent_dim=2), TypeError, r"hidden must be an int or a tuple of positive ints \(or \(\)\), got \(3.7,\)"),
    (dict(hidden="64", latent_dim=2), TypeError, r"hidden must be an int or a tuple of positive ints \(or \(\)\), got '64'"),
    (dict(hidden=True, latent_dim=2), TypeError, r"hidden must be an int or a tuple of positive ints \(or \(\)\), got True"),
    (dict(hidden=None, latent_dim=2), TypeError, r"hidden must be an int or a tuple of positive ints \(or \(\)\), got None"),
    (dict(latent_dim=4, decoder_hidden="wide"), TypeError,
     r"decoder_hidden must be None or an int or a tuple of positive ints \(or \(\)\), got 'wide'"),
    (dict(latent_dim=4, decoder_hidden=(2.5,)), TypeError,
     r"decoder_hidden must be None or an int or a tuple of positive ints \(or \(\)\), got \(2.5,\)"),
])
def test_layer_sizes_are_never_silently_rounded_or_split(X, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        Autoencoder(**kwargs).initialize(X)


def test_layer_sizes_accept_ints_lists_and_integer_arrays(X):
    shapes = lambda ae: [v.shape for k, v in ae.params_.items() if k.endswith("W")]  # noqa: E731
    expected = [(4, 3), (3, 2), (2, 3), (3, 4)]
    assert shapes(Autoencoder(hidden=(3,), latent_dim=2).initialize(X)) == expected
    assert shapes(Autoencoder(hidden=np.array([3]), latent_dim=np.int64(2)).initialize(X)) == expected
    assert shapes(Autoencoder(hidden=(3,), latent_dim=2, decoder_hidden=3).initialize(X)) == expected
    assert shapes(Autoencoder(hidden=(), latent_dim=np.int64(2), decoder_hidden=()).initialize(X)) \
        == [(4, 2), (2, 4)]


def test_finite_values_too_large_for_float32_are_named_as_such():
    X = np.random.default_rng(0).random((5, 3))
    X[0, 0] = 1e39  # finite in float64, inf once cast to float32
    with np.errstate(over="raise"):  # and no overflow in the cast itself
        with pytest.raises(ValueError, match=r"X has values up to 1e\+39 in absolute value, too "
                                             r"large for float32 \(max 3.4e\+38\); rescale the "
                                             r"data or use dtype='float64'"):
            Autoencoder(dtype="float32").fit(X)
    Autoencoder(hidden=(), latent_dim=2, epochs=1, dtype="float64").fit(X * 1e-30)  # fine in float64


@pytest.mark.parametrize("cls", ["Autoencoder", "VariationalAutoencoder", "AdversarialAutoencoder",
                                 "ConcreteAutoencoder"])
@pytest.mark.parametrize("hidden, exc", [((3.7,), TypeError), ("64", TypeError),
                                         ((4, 0), ValueError)])
def test_every_family_parses_layer_sizes_the_same_strict_way(cls, hidden, exc):
    """One parser (npae._validation.check_layer_sizes): nothing is rounded or split."""
    import npae

    X = np.random.default_rng(0).random((6, 5))
    # the concrete autoencoder's layer sizes are its decoder's; its code is n_selected
    sizes = ({"decoder_hidden": hidden} if cls == "ConcreteAutoencoder"
             else {"hidden": hidden, "latent_dim": 2})
    with pytest.raises(exc, match="hidden"):
        getattr(npae, cls)(**sizes, epochs=1).fit(X)
