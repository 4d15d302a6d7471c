"""The basic autoencoder: whole-model gradient checks over hypothesis-generated
architectures on both execution paths, reference path == batch path, the
review's §1.3 example worked by hand through one SGD step, reproducibility,
float32, training on the bundled digits, validation loss, verbose output, and
the inference API."""

import math
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import npae
from npae import Autoencoder
from npae.datasets import load_mnist, make_review_example
from npae.gradcheck import check_gradients
from npae.estimator.optim import SGD, Momentum
from helpers import assert_paths_agree

# Smooth units, plus leaky ReLU kept away from its kink (see _far_from_kinks).
ACTS = ["sigmoid", "tanh", "softplus", "identity", "leaky_relu"]


# ------------------------------------------------------------ the search space
@st.composite
def ae_case(draw):
    """An Autoencoder configuration, a data set and a seed."""
    depth = draw(st.integers(1, 3))
    hidden = tuple(draw(st.integers(1, 4)) for _ in range(depth))
    tied = draw(st.booleans())
    decoder_hidden = None
    if not tied and draw(st.booleans()):
        decoder_hidden = tuple(draw(st.integers(1, 4)) for _ in range(draw(st.integers(0, 2))))
    loss = draw(st.sampled_from(["mse", "bce"]))
    if loss == "bce":
        output_activation = draw(st.sampled_from([None, "sigmoid"]))
    else:
        output_activation = draw(st.sampled_from([None, "identity", "sigmoid", "tanh", "softplus"]))
    kwargs = dict(
        hidden=hidden[:-1], latent_dim=hidden[-1], decoder_hidden=decoder_hidden, tied=tied, loss=loss,
        activation=draw(st.sampled_from(ACTS)),
        code_activation=draw(st.sampled_from([None] + ACTS)),
        output_activation=output_activation,
        weight_decay=draw(st.sampled_from([0.0, 0.05])),
    )
    n_samples = draw(st.integers(1, 5))
    n_features = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**31 - 1))
    return kwargs, n_samples, n_features, seed


def _make(case):
    """An initialized model at a generic point (non-zero biases) and its data."""
    kwargs, n, d, seed = case
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)) if kwargs["loss"] == "bce" else rng.normal(size=(n, d))
    if kwargs["loss"] == "bce" and n * d > 1:
        X.flat[0], X.flat[-1] = 0.0, 1.0  # exact binary targets too
    ae = Autoencoder(random_state=seed, **kwargs).initialize(X)
    for v in ae.params_.values():
        v += rng.normal(scale=0.2, size=v.shape)
    return ae, X


def _far_from_kinks(ae, X, margin=1e-3):
    """No leaky-ReLU pre-activation within ``margin`` of its kink."""
    ops = npae.nn.get_ops(True)
    Z, enc = ae.encoder_.forward(ae.params_, X, ops)
    _, dec = ae.decoder_.forward(ae.params_, Z, ops)
    layers = ae.encoder_.layers + ae.decoder_.layers
    return all(np.min(np.abs(A)) > margin for layer, (_, A, _) in zip(layers, enc + dec)
               if not layer.activation.smooth)


@settings(max_examples=25)
@given(case=ae_case())
def test_gradients_match_central_differences_on_both_paths(case):
    ae, X = _make(case)
    assume(_far_from_kinks(ae, X))
    for vectorized in (True, False):
        report = check_gradients(ae, X, vectorized=vectorized)
        assert report.passed, f"{ae!r} vectorized={vectorized}\n{report}"
        assert report.tol == 1e-7
        assert [r.name for r in report.rows] == list(ae.params_)


@settings(max_examples=25)
@given(case=ae_case())
def test_reference_path_equals_batch_path(case):
    ae, X = _make(case)
    loss_b, grads_b = ae.loss_and_grads(X, vectorized=True)
    loss_r, grads_r = ae.loss_and_grads(X, vectorized=False)
    assert abs(loss_r - loss_b) <= 1e-12 * abs(loss_b)
    assert list(grads_b) == list(grads_r) == list(ae.params_)
    for k in grads_b:
        assert grads_r[k].shape == ae.params_[k].shape
    assert_paths_agree(grads_b, grads_r)  # 1e-12 of max(the tensor, 1e-3 of the largest)
    terms_b = ae.loss_terms(X, vectorized=True)
    terms_r = ae.loss_terms(X, vectorized=False)
    assert terms_b.keys() == terms_r.keys()
    for k in terms_b:
        assert abs(terms_r[k] - terms_b[k]) <= 1e-12 * abs(terms_b[k]) + 1e-300


# ------------------------------------------------------ §1.3 worked by hand
def test_review_example_one_sgd_step_by_hand():
    r"""The review's §1.3 network: 2 inputs -> 1 sigmoid unit -> 2 linear outputs.

    a = x1 w11 + x2 w12 + b1,  h = 1/(1 + e^-a),  x̂_j = h w2j + b2j,
    L = (1/n) Σ_i ½ Σ_j (x̂_ij − x_ij)²   (the review's eq. 2 divided by n: npae's "mse")

    Hand-chosen weights: w11 = 0.3, w12 = −0.2, b1 = 0.1; w21 = 1.5, w22 = 2.0,
    b21 = 0.5, b22 = 0.4; plain SGD with learning rate 0.1, one step on all
    ten observations of ``make_review_example()``.  With r_j = x̂_j − x_j,
    dh = r1 w21 + r2 w22 and δ = dh · h(1 − h):

     i  x1  x2       a   h             x̂1            x̂2            r1             r2             dh              δ
     1  0.5 0.8  0.0900  0.5224848248  1.2837272372  1.4449696496  +0.7837272372  +0.6449696496  +2.4655301549   +0.6151360472
     2  1.0 0.9  0.2200  0.5547792351  1.3321688527  1.5095584702  +0.3321688527  +0.6095584702  +1.7173702194   +0.4241891311
     3  1.2 1.4  0.1800  0.5448788924  1.3173183386  1.4897577847  +0.1173183386  +0.0897577847  +0.3554930773   +0.0881572654
     4  1.8 1.5  0.3400  0.5841905229  1.3762857844  1.5683810459  -0.4237142156  +0.0683810459  -0.4988092317   -0.1211667261
     5  2.0 2.3  0.2400  0.5597136493  1.3395704739  1.5194272985  -0.6604295261  -0.7805727015  -2.5517896921   -0.6288484557
     6  2.6 2.2  0.4400  0.6082590307  1.4123885461  1.6165180615  -1.1876114539  -0.5834819385  -2.9483810578   -0.7025401862
     7  3.0 2.9  0.4200  0.6034832499  1.4052248748  1.6069664997  -1.5947751252  -1.2930335003  -4.9782296883   -1.1912466406
     8  3.4 3.0  0.5200  0.6271477663  1.4407216495  1.6542955326  -1.9592783505  -1.3457044674  -5.6303264605   -1.3165586357
     9  4.0 3.6  0.5800  0.6410674063  1.4616011095  1.6821348127  -2.5383988905  -1.9178651873  -7.6433287104   -1.7587298359
    10  5.5 4.4  0.8700  0.7047456980  1.5571185470  1.8094913960  -3.9428814530  -2.5905086040  -11.0953393875  -2.3087093341

    L = (1/10) Σ_i ½ (r1² + r2²) = 2.3379067494

    gradient (mean over i)      value            updated weight = old − 0.1 · gradient
    ∂L/∂w11 = mean(δ x1)    = −3.0247715593     w11: 0.3  → 0.6024771559
    ∂L/∂w12 = mean(δ x2)    = −2.6070430363     w12: −0.2 → 0.0607043036
    ∂L/∂b1  = mean(δ)       = −0.6900317371     b1:  0.1  → 0.1690031737
    ∂L/∂w21 = mean(r1 h)    = −0.7279057036     w21: 1.5  → 1.5727905704
    ∂L/∂w22 = mean(r2 h)    = −0.4707203702     w22: 2.0  → 2.0470720370
    ∂L/∂b21 = mean(r1)      = −1.1073874586     b21: 0.5  → 0.6107387459
    ∂L/∂b22 = mean(r2)      = −0.7098499449     b22: 0.4  → 0.4709849945

    npae is compared with the hand computation to 1e-15 relative, not exactly:
    both are correctly rounded evaluations of the same real numbers, but npae
    multiplies the residuals by 1/n before summing and sums in BLAS / pairwise
    order (possibly with fused multiply-adds) and numpy's exp may differ from
    math.exp by an ulp, while the hand loop adds left to right and divides by n
    at the end.  The measured differences are below 4e-16 relative (1-2 ulp);
    1e-15 leaves room for other BLAS builds yet is 10^7 times tighter than any
    gradient check.
    """
    X = make_review_example()
    assert X.shape == (10, 2)
    w11, w12, b1 = 0.3, -0.2, 0.1
    w21, w22, b21, b22 = 1.5, 2.0, 0.5, 0.4
    lr = 0.1

    # --- by hand: one observation at a time, scalar arithmetic only
    n = len(X)
    L = 0.0
    g = dict.fromkeys(["w11", "w12", "b1", "w21", "w22", "b21", "b22"], 0.0)
    rows = []
    for x1, x2 in X.tolist():
        a = x1 * w11 + x2 * w12 + b1
        h = 1.0 / (1.0 + math.exp(-a))
        xh1, xh2 = h * w21 + b21, h * w22 + b22
        r1, r2 = xh1 - x1, xh2 - x2
        L += 0.5 * (r1 * r1 + r2 * r2)
        dh = r1 * w21 + r2 * w22
        delta = dh * h * (1.0 - h)
        g["w21"] += r1 * h
        g["w22"] += r2 * h
        g["b21"] += r1
        g["b22"] += r2
        g["w11"] += delta * x1
        g["w12"] += delta * x2
        g["b1"] += delta
        rows.append((a, h, xh1, xh2, r1, r2, dh, delta))
    L /= n
    g = {k: v / n for k, v in g.items()}
    old = dict(w11=w11, w12=w12, b1=b1, w21=w21, w22=w22, b21=b21, b22=b22)
    new = {k: old[k] - lr * g[k] for k in old}

    # The numbers in the docstring are these numbers (rounded to 10 decimals).
    table = [[float(v) for v in re.findall(r"[-+]?\d+\.\d+", line)[2:]]
             for line in test_review_example_one_sgd_step_by_hand.__doc__.splitlines()
             if re.match(r"\s+\d+\s+\d\.\d\s+\d\.\d\s", line)]
    np.testing.assert_allclose(np.array(table), np.array(rows), rtol=0, atol=5.1e-11)
    assert round(L, 10) == 2.3379067494
    assert [round(g[k], 10) for k in old] == [-3.0247715593, -2.6070430363, -0.6900317371,
                                             -0.7279057036, -0.4707203702, -1.1073874586,
                                             -0.7098499449]
    assert [round(new[k], 10) for k in old] == [0.6024771559, 0.0607043036, 0.1690031737,
                                               1.5727905704, 2.0470720370, 0.6107387459,
                                               0.4709849945]

    # --- npae: set the weights by hand after initialize
    ae = Autoencoder(hidden=(), latent_dim=1, activation="sigmoid", loss="mse", optimizer="sgd",
                     learning_rate=lr, batch_size=10, epochs=1).initialize(X)
    assert list(ae.params_) == ["encoder.0.W", "encoder.0.b", "decoder.0.W", "decoder.0.b"]
    ae.params_["encoder.0.W"][...] = [[w11], [w12]]  # (n_in, n_out) = (2, 1)
    ae.params_["encoder.0.b"][...] = [b1]
    ae.params_["decoder.0.W"][...] = [[w21, w22]]  # (1, 2)
    ae.params_["decoder.0.b"][...] = [b21, b22]
    as_npae = {"encoder.0.W": ["w11", "w12"], "encoder.0.b": ["b1"],
               "decoder.0.W": ["w21", "w22"], "decoder.0.b": ["b21", "b22"]}

    def close(x, y):
        return abs(x - y) <= 1e-15 * abs(y)

    H = ae.transform(X)[:, 0]
    X_hat = ae.reconstruct(X)
    for i, (a, h, xh1, xh2, *_rest) in enumerate(rows):
        assert close(H[i], h) and close(X_hat[i, 0], xh1) and close(X_hat[i, 1], xh2)
    for vectorized in (True, False):
        loss, grads = ae.loss_and_grads(X, vectorized=vectorized)
        assert close(loss, L)
        for name, keys in as_npae.items():
            for value, key in zip(grads[name].ravel(), keys):
                assert close(value, g[key]), (vectorized, key, value, g[key])
    # The review's own loss is the sum over observations: n times npae's.
    assert abs(n * ae.loss_terms(X)["reconstruction"] - n * L) <= 1e-14 * n * L

    # One plain SGD step, Θ ← Θ − ε ∂L/∂Θ, with npae's optimizer ...
    _, grads = ae.loss_and_grads(X)
    sgd = SGD(learning_rate=lr)
    for name in ae.params_:
        sgd.step(ae.params_[name], grads[name])
    for name, keys in as_npae.items():
        for value, key in zip(ae.params_[name].ravel(), keys):
            assert close(value, new[key]), (key, value, new[key])

    # ... and through fit(): one epoch of full-batch SGD from the same weights.
    class HandInitialized(Autoencoder):
        def _init_params(self, rng):
            return {"encoder.0.W": [[w11], [w12]], "encoder.0.b": [b1],
                    "decoder.0.W": [[w21, w22]], "decoder.0.b": [b21, b22]}

    fitted = HandInitialized(hidden=(), latent_dim=1, optimizer="sgd", learning_rate=lr, batch_size=10,
                             epochs=1).fit(X)
    assert close(fitted.history_["loss"][0], L)  # the loss of the batch, before the step
    for name, keys in as_npae.items():
        for value, key in zip(fitted.params_[name].ravel(), keys):
            assert close(value, new[key]), (key, value, new[key])


# -------------------------------------------------------- reproducibility
OPTIMIZER_SETTINGS = {
    "adam": dict(optimizer="adam", learning_rate=1e-2),
    "sgd": dict(optimizer="sgd", learning_rate=0.1),
    "momentum": dict(optimizer="momentum", learning_rate=0.05),
    "lbfgs": dict(optimizer="lbfgs", epochs=8),
}


@pytest.fixture(scope="module")
def digits():
    X, y = load_mnist(n=360)
    return X[:300], X[300:]


@pytest.mark.parametrize("opt", sorted(OPTIMIZER_SETTINGS))
def test_same_seed_same_parameters_bitwise_other_seed_differs(opt):
    X = np.random.default_rng(0).random((40, 6))
    kw = {**dict(hidden=(4,), latent_dim=2, epochs=3, batch_size=16), **OPTIMIZER_SETTINGS[opt]}
    a = Autoencoder(random_state=11, **kw).fit(X)
    b = Autoencoder(random_state=11, **kw).fit(X)
    c = Autoencoder(random_state=12, **kw).fit(X)
    for k in a.params_:
        np.testing.assert_array_equal(a.params_[k], b.params_[k])
    assert a.history_["loss"] == b.history_["loss"]
    assert any(not np.array_equal(a.params_[k], c.params_[k]) for k in a.params_)
    # Refitting the same object starts over from the same seed.
    a.fit(X)
    for k in a.params_:
        np.testing.assert_array_equal(a.params_[k], b.params_[k])


@pytest.mark.parametrize("opt", sorted(OPTIMIZER_SETTINGS))
def test_float32_trains_and_stays_float32(opt, digits):
    X, Xv = digits
    kw = {**dict(hidden=(), latent_dim=16, batch_size=50, epochs=3), **OPTIMIZER_SETTINGS[opt]}
    start = Autoencoder(dtype="float32", **kw).initialize(X)
    loss0 = sum(start.loss_terms(X).values())
    ae = Autoencoder(dtype="float32", validation_data=Xv, **kw).fit(X)
    assert all(v.dtype == np.float32 for v in ae.params_.values())
    assert ae._flat.flat.dtype == np.float32
    loss, grads = ae.loss_and_grads(X)
    assert all(g.dtype == np.float32 for g in grads.values())
    Z = ae.transform(X)  # float64 input, float32 model: cast once, at the door
    assert Z.dtype == np.float32
    assert ae.reconstruct(X).dtype == np.float32
    assert ae.inverse_transform(Z).dtype == np.float32
    assert ae.reconstruction_error(X).dtype == np.float32
    assert loss < 0.8 * loss0
    # float32 arithmetic follows the float64 model closely.
    ae64 = Autoencoder(dtype="float64", **kw).fit(X)
    assert loss == pytest.approx(sum(ae64.loss_terms(X).values()), rel=0.05)


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("opt", sorted(OPTIMIZER_SETTINGS))
def test_training_reduces_the_loss_on_digits(opt, loss, digits):
    X, Xv = digits
    kw = {**dict(hidden=(), latent_dim=16, batch_size=50, epochs=3, loss=loss), **OPTIMIZER_SETTINGS[opt]}
    start = Autoencoder(**kw).initialize(X)  # the point fit() starts from
    before, before_val = sum(start.loss_terms(X).values()), sum(start.loss_terms(Xv).values())
    ae = Autoencoder(validation_data=Xv, **kw).fit(X)
    after, after_val = sum(ae.loss_terms(X).values()), sum(ae.loss_terms(Xv).values())
    assert after < 0.8 * before and after_val < 0.8 * before_val
    h = ae.history_
    n_epochs = kw["epochs"]
    assert len(h["loss"]) == len(h["val_loss"]) == len(h["time"]) == n_epochs
    assert h["val_loss"][-1] == pytest.approx(after_val, rel=1e-12)  # measured after the epoch
    assert h["reconstruction"] == h["loss"]  # no other term
    if opt == "lbfgs":
        assert h["loss"][-1] == pytest.approx(after, rel=1e-12)
        assert ae.lbfgs_result_.nit <= n_epochs
    else:
        assert h["loss"][-1] < h["loss"][0]
    if loss == "mse":
        # Better than the trivial model that predicts the mean image.
        mean_image = 0.5 * np.sum((X - X.mean(0)) ** 2, axis=1).mean()
        assert after < mean_image


def test_validation_loss_without_validation_data_is_empty_and_weight_decay_is_recorded(digits):
    X, _ = digits
    ae = Autoencoder(hidden=(), latent_dim=8, epochs=2, weight_decay=1e-3).fit(X)
    assert ae.history_["val_loss"] == []
    h = ae.history_
    np.testing.assert_allclose(np.add(h["reconstruction"], h["weight_decay"]), h["loss"],
                               rtol=1e-12)


def test_validation_data_as_a_tuple_with_labels(digits):
    X, Xv = digits
    ae = Autoencoder(hidden=(), latent_dim=4, epochs=2, validation_data=(Xv, None)).fit(X)
    assert len(ae.history_["val_loss"]) == 2


@pytest.mark.parametrize("with_val", [False, True])
def test_verbose_prints_one_line_per_epoch(capsys, with_val):
    X = np.random.default_rng(0).random((30, 5))
    Xv = X[:10] if with_val else None
    Autoencoder(hidden=(), latent_dim=2, epochs=4, verbose=True, validation_data=Xv).fit(X)
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    assert len(lines) == 4
    for i, line in enumerate(lines, start=1):
        # fixed widths: each number in 12 characters, then the unit of the loss
        pattern = rf"epoch +{i}/4  loss [ 0-9.e+-]{{12}}" + (
            "  val_loss [ 0-9.e+-]{12}" if with_val else "")
        assert re.match(pattern + r"  ½‖x−x̂‖²/sample  \(\d+\.\d\ds\)$", line), line
    assert len({len(line) for line in lines}) == 1  # the columns line up
    Autoencoder(hidden=(), latent_dim=2, epochs=2, verbose=False).fit(X)
    assert capsys.readouterr().out == ""


def test_verbose_lbfgs(capsys):
    X = np.random.default_rng(0).random((30, 5))
    ae = Autoencoder(hidden=(), latent_dim=2, optimizer="lbfgs", epochs=3, verbose=True).fit(X)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(ae.history_["loss"]) >= 1
    assert lines[0].startswith("epoch    1/3  loss ")


# ------------------------------------------------------------- architecture
def test_layouts_symmetric_h2o_overcomplete_and_tied():
    X = np.random.default_rng(0).random((8, 6))
    shapes = lambda ae: {k: v.shape for k, v in ae.params_.items()}  # noqa: E731
    assert shapes(Autoencoder(hidden=(5,), latent_dim=2).initialize(X)) == {
        "encoder.0.W": (6, 5), "encoder.0.b": (5,), "encoder.1.W": (5, 2), "encoder.1.b": (2,),
        "decoder.0.W": (2, 5), "decoder.0.b": (5,), "decoder.1.W": (5, 6), "decoder.1.b": (6,)}
    # h2o's hidden = c(300, 100, 300), in miniature: encoder 6-5-2, decoder 2-5-6 given explicitly.
    h2o = Autoencoder(hidden=(5,), latent_dim=2, decoder_hidden=(5,)).initialize(X)
    assert shapes(h2o) == shapes(Autoencoder(hidden=(5,), latent_dim=2).initialize(X))
    asym = Autoencoder(hidden=(), latent_dim=3, decoder_hidden=(4, 7)).initialize(X)
    assert [s for k, s in shapes(asym).items() if k.endswith("W")] == [(6, 3), (3, 4), (4, 7), (7, 6)]
    over = Autoencoder(hidden=(), latent_dim=10).initialize(X)  # an int is one layer; overcomplete is allowed
    assert over.transform(X).shape == (8, 10) and over.code_size_ == 10
    tied = Autoencoder(hidden=(5,), latent_dim=2, tied=True).initialize(X)
    assert list(tied.params_) == ["encoder.0.W", "encoder.0.b", "encoder.1.W", "encoder.1.b",
                                  "decoder.0.b", "decoder.1.b"]
    # The decoder really uses the transposed encoder weights.
    untied = Autoencoder(hidden=(5,), latent_dim=2).initialize(X)
    for k in tied.params_:
        untied.params_[k][...] = tied.params_[k]
    untied.params_["decoder.0.W"][...] = tied.params_["encoder.1.W"].T
    untied.params_["decoder.1.W"][...] = tied.params_["encoder.0.W"].T
    np.testing.assert_array_equal(tied.reconstruct(X), untied.reconstruct(X))
    # ... and its gradient is the sum of both uses.
    _, gt = tied.loss_and_grads(X)
    _, gu = untied.loss_and_grads(X)
    np.testing.assert_allclose(gt["encoder.0.W"], gu["encoder.0.W"] + gu["decoder.1.W"].T, rtol=1e-12)
    np.testing.assert_allclose(gt["encoder.1.W"], gu["encoder.1.W"] + gu["decoder.0.W"].T, rtol=1e-12)


def test_activations_shape_the_outputs():
    X = np.random.default_rng(0).random((20, 4))
    Z = Autoencoder(hidden=(), latent_dim=3).initialize(X).transform(X)
    assert np.all((Z > 0) & (Z < 1))  # default sigmoid hidden units
    ae = Autoencoder(hidden=(6,), latent_dim=3, activation="tanh", code_activation="identity").initialize(X)
    assert ae.encoder_.layers[0].activation.name == "tanh"
    assert ae.encoder_.layers[1].activation.name == "identity"  # linear codes (Hinton & Salakhutdinov)
    assert ae.decoder_.layers[-1].activation.name == "identity"  # mse default output
    bce = Autoencoder(hidden=(), latent_dim=3, loss="bce").initialize(X)
    R = bce.reconstruct(X)
    assert np.all((R > 0) & (R < 1))
    mse_sig = Autoencoder(hidden=(), latent_dim=3, output_activation="sigmoid").initialize(X)
    assert mse_sig.decoder_.layers[-1].activation.name == "sigmoid"


def test_linear_autoencoder_is_activation_identity():
    X = np.random.default_rng(0).normal(size=(10, 4))
    ae = Autoencoder(hidden=(), latent_dim=2, activation="identity").initialize(X)
    W1, b1 = ae.params_["encoder.0.W"], ae.params_["encoder.0.b"]
    W2, b2 = ae.params_["decoder.0.W"], ae.params_["decoder.0.b"]
    np.testing.assert_allclose(ae.reconstruct(X), (X @ W1 + b1) @ W2 + b2, rtol=1e-13)


# ------------------------------------------------------------ inference API
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_inference_methods_agree(loss):
    rng = np.random.default_rng(2)
    X = rng.random((15, 5))
    ae = Autoencoder(hidden=(4,), latent_dim=2, loss=loss, weight_decay=0.01, epochs=2).fit(X)
    Z = ae.transform(X)
    R = ae.reconstruct(X)
    assert Z.shape == (15, 2) and R.shape == X.shape
    np.testing.assert_array_equal(ae.inverse_transform(Z), R)
    per_feature = ae.reconstruction_error(X, per_feature=True)
    np.testing.assert_allclose(per_feature, (R - X) ** 2, rtol=1e-15)
    np.testing.assert_allclose(ae.reconstruction_error(X), per_feature.mean(axis=1), rtol=1e-15)
    np.testing.assert_array_equal(ae.score_samples(X), -ae.reconstruction_error(X))
    np.testing.assert_array_equal(Autoencoder(hidden=(4,), latent_dim=2, loss=loss, weight_decay=0.01,
                                              epochs=2).fit_transform(X), Z)
    # loss_terms: each term as it enters the loss; they sum to loss_and_grads' loss.
    terms = ae.loss_terms(X)
    assert set(terms) == {"reconstruction", "weight_decay"}
    W = [v for k, v in ae.params_.items() if k.endswith(".W")]
    assert terms["weight_decay"] == pytest.approx(0.5 * 0.01 * sum(np.sum(w * w) for w in W), rel=1e-13)
    if loss == "mse":
        rec = 0.5 * np.sum((R - X) ** 2) / len(X)
    else:
        rec = -np.sum(X * np.log(R) + (1 - X) * np.log(1 - R)) / len(X)
    assert terms["reconstruction"] == pytest.approx(rec, rel=1e-12)
    assert ae.loss_and_grads(X)[0] == pytest.approx(sum(terms.values()), rel=1e-15)


def test_loss_and_grads_returns_fresh_arrays_keyed_like_params():
    X = np.random.default_rng(0).random((6, 3))
    ae = Autoencoder(hidden=(), latent_dim=2).initialize(X)
    _, g1 = ae.loss_and_grads(X)
    _, g2 = ae.loss_and_grads(X)
    for k, v in ae.params_.items():
        assert g1[k].shape == v.shape and g1[k].dtype == v.dtype
        assert not np.shares_memory(g1[k], g2[k]) and not np.shares_memory(g1[k], v)


def test_epochs_zero_batch_larger_than_data_and_optimizer_objects():
    X = np.random.default_rng(0).random((7, 3))
    init = Autoencoder(hidden=(), latent_dim=2).initialize(X)
    zero = Autoencoder(hidden=(), latent_dim=2, epochs=0).fit(X)
    for k in init.params_:
        np.testing.assert_array_equal(zero.params_[k], init.params_[k])
    assert zero.history_["loss"] == []
    big = Autoencoder(hidden=(), latent_dim=2, batch_size=1000, epochs=2).fit(X)
    assert len(big.history_["loss"]) == 2
    opt = Momentum(learning_rate=0.1, momentum=0.5, nesterov=True)
    ae = Autoencoder(hidden=(), latent_dim=2, optimizer=opt, epochs=3).fit(X)
    assert ae.history_["loss"][-1] < ae.history_["loss"][0]
    # The object is a template: fit() leaves it untouched, so refitting (or a
    # clone in a grid search) starts from a fresh state and reproduces the fit.
    assert opt.velocity is None and ae.optimizer is opt
    first = {k: v.copy() for k, v in ae.params_.items()}
    ae.fit(X)
    for k in first:
        np.testing.assert_array_equal(ae.params_[k], first[k])


def test_random_state_accepts_a_generator_and_none():
    X = np.random.default_rng(0).random((7, 3))
    a = Autoencoder(hidden=(), latent_dim=2, random_state=np.random.default_rng(3), epochs=1).fit(X)
    b = Autoencoder(hidden=(), latent_dim=2, random_state=np.random.default_rng(3), epochs=1).fit(X)
    np.testing.assert_array_equal(a.params_["encoder.0.W"], b.params_["encoder.0.W"])
    Autoencoder(hidden=(), latent_dim=2, random_state=None, epochs=1).fit(X)
