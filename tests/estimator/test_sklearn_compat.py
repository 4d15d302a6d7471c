"""scikit-learn interoperability: clone, GridSearchCV, Pipeline, get/set_params, repr.

npae itself never imports scikit-learn; these tests are skipped only when it is
absent (CI installs it through the ``compare`` extra).
"""

import numpy as np
import pytest

import npae
from npae import Autoencoder

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402


@pytest.fixture
def X():
    return np.random.default_rng(0).random((40, 6))


def test_get_params_lists_every_init_argument_verbatim():
    hidden = (5,)
    ae = Autoencoder(hidden=hidden, latent_dim=3, activation="tanh", epochs=7)
    params = ae.get_params()
    assert params["hidden"] is hidden  # stored verbatim, not copied or converted
    assert params["activation"] == "tanh" and params["epochs"] == 7
    import inspect

    expected = [p for p in inspect.signature(Autoencoder.__init__).parameters if p != "self"]
    assert list(params) == expected


def test_set_params_round_trip_and_unknown_name():
    a = Autoencoder(hidden=(), latent_dim=4, learning_rate=0.01, tied=True)
    b = Autoencoder().set_params(**a.get_params())
    assert b.get_params() == a.get_params()
    assert b.set_params(epochs=3) is b and b.epochs == 3
    with pytest.raises(ValueError, match="invalid parameter 'hiden'.*valid"):
        b.set_params(hiden=(3,))


def test_repr_shows_only_changed_hyperparameters():
    assert repr(Autoencoder()) == "Autoencoder()"
    r = repr(Autoencoder(hidden=(4,), latent_dim=3, loss="bce", validation_data=np.zeros((5, 2))))
    assert r == "Autoencoder(hidden=(4,), latent_dim=3, loss='bce', validation_data=array(5, 2))"


def test_clone_gives_an_unfitted_copy_with_the_same_params(X):
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=2, random_state=4).fit(X)
    c = clone(ae)
    assert c is not ae and type(c) is Autoencoder
    assert c.get_params() == ae.get_params()
    assert not hasattr(c, "params_")
    with pytest.raises(npae.NotFittedError):
        c.transform(X)
    # The clone trains to bitwise the same parameters.
    c.fit(X)
    for k in ae.params_:
        np.testing.assert_array_equal(c.params_[k], ae.params_[k])


def test_score_is_mean_score_samples(X):
    ae = Autoencoder(hidden=(), latent_dim=3, epochs=2).fit(X)
    assert ae.score(X) == pytest.approx(ae.score_samples(X).mean(), rel=1e-15)
    assert ae.score(X) == pytest.approx(-ae.reconstruction_error(X).mean(), rel=1e-15)
    assert ae.score(X, None) == ae.score(X)


def test_grid_search_with_default_score(X):
    grid = GridSearchCV(
        Autoencoder(activation="identity", epochs=30, learning_rate=0.05, random_state=0),
        {"latent_dim": [1, 4]},
        cv=2,
    )
    grid.fit(X)
    # A 4-unit linear code of 6 features reconstructs better than a 1-unit one.
    assert grid.best_params_ == {"latent_dim": 4}
    assert isinstance(grid.best_estimator_, Autoencoder)
    assert grid.best_estimator_.transform(X).shape == (40, 4)


def test_grid_search_with_callable_scoring(X):
    def scorer(est, X_, y=None):
        return float(est.score_samples(X_).mean())

    grid = GridSearchCV(Autoencoder(hidden=(), latent_dim=2, epochs=2), {"learning_rate": [1e-3, 1e-2]},
                        cv=2, scoring=scorer)
    grid.fit(X)
    assert set(grid.cv_results_["params"][0]) == {"learning_rate"}
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


def test_pipeline_scaler_then_autoencoder():
    X = np.random.default_rng(1).normal(5.0, 3.0, size=(30, 4))
    pipe = Pipeline([("scale", MinMaxScaler()),
                     ("ae", Autoencoder(hidden=(), latent_dim=2, loss="bce", epochs=2))])
    Z = pipe.fit(X).transform(X)
    assert Z.shape == (30, 2)
    assert np.all((Z > 0) & (Z < 1))  # sigmoid codes


def test_not_fitted_error_is_also_scikit_learns_once_it_is_imported():
    from sklearn.exceptions import NotFittedError as SkNotFitted

    with pytest.raises(SkNotFitted):
        npae.Autoencoder().transform(np.zeros((2, 3)))
    with pytest.raises(npae.NotFittedError, match="not fitted yet"):
        npae.Autoencoder().transform(np.zeros((2, 3)))
