r"""Your first autoencoder, by hand: the review's §1.3 example and gradient checking
================================================================================

A course walk-through in four steps (Caron, *Literature review – Autoencoders*, §1.1–1.3):

1. The 2 → 1 sigmoid → 2 linear network of §1.3 on its 10 observations:
   one forward pass and the chain rule written out with scalars, for one
   observation, next to what npae computes.
2. One step of gradient descent (the review's eq. 1) done by hand and by npae.
3. The numerical gradient check, on the whole model and on a function of
   your own — and a *negative control*: a backward pass with a classic bug
   (a forgotten sigmoid derivative) that the checker catches.
4. Training the toy model, then the same code on real digits.

The network of §1.3 and its loss, as the review writes them (npae divides the loss by
the number of observations n):

.. math::

   q_\theta(X) = h(X \mathbf{w}_1 + b_1), \quad h(x) = \frac{1}{1 + e^{-x}}, \qquad
   p_\phi(Z) = Z \mathbf{w}_2 + b_2 = \hat X,

.. math::

   L(x, \hat x) = \frac{1}{2} \sum_{i=1}^n \sum_{j=1}^p
   \bigl(x_j^{(i)} - \hat x_j^{(i)}\bigr)^2, \qquad
   \Theta \leftarrow \Theta - \epsilon \, \frac{\partial L}{\partial \Theta}.

Run it from the repository::

    python tutorials/first_autoencoder.py            # a few seconds
    python tutorials/first_autoencoder.py --quick
"""

from __future__ import annotations

import math
import os

import numpy as np

import npae
from npae import plot
from npae.datasets import load_mnist, make_review_example
from npae.gradcheck import check_gradient

from _tutorial import make_parser, parse

# Hand-picked starting weights, so that every number below can be followed.
W1 = np.array([[0.3], [-0.2]])   # encoder weights w_{1,1}, w_{1,2}   (2, 1)
B1 = np.array([0.1])             # encoder bias b_1                   (1,)
W2 = np.array([[0.5, -0.4]])     # decoder weights w_{2,1}, w_{2,2}   (1, 2)
B2 = np.array([2.0, 2.0])        # decoder biases (one per output)    (2,)


def review_model():
    """npae's version of the §1.3 network, with the hand-picked weights."""
    X = make_review_example()
    ae = npae.Autoencoder(hidden=(), latent_dim=1, activation="sigmoid", loss="mse",
                          optimizer="sgd", learning_rate=0.1, batch_size=10)
    ae.initialize(X)
    ae.params_["encoder.0.W"][...] = W1
    ae.params_["encoder.0.b"][...] = B1
    ae.params_["decoder.0.W"][...] = W2
    ae.params_["decoder.0.b"][...] = B2
    return ae, X


def by_hand(x1, x2):
    """Forward and backward for ONE observation, with scalars only.

    Per-observation loss ℓ = ½[(x1 − x̂1)² + (x2 − x̂2)²]; npae averages ℓ over the batch.
    """
    a = x1 * W1[0, 0] + x2 * W1[1, 0] + B1[0]          # pre-activation of the hidden unit
    z = 1.0 / (1.0 + math.exp(-a))                     # sigmoid: the code
    xh1 = z * W2[0, 0] + B2[0]                         # linear outputs
    xh2 = z * W2[0, 1] + B2[1]
    ell = 0.5 * ((x1 - xh1) ** 2 + (x2 - xh2) ** 2)
    r1, r2 = xh1 - x1, xh2 - x2                        # dℓ/dx̂_j
    g = {"decoder.0.W": np.array([[r1 * z, r2 * z]]),  # dℓ/dw_{2,j} = r_j z
         "decoder.0.b": np.array([r1, r2])}
    dz = r1 * W2[0, 0] + r2 * W2[0, 1]                 # dℓ/dz: both outputs use z
    da = dz * z * (1.0 - z)                            # sigmoid'(a) = z(1 − z)
    g["encoder.0.W"] = np.array([[da * x1], [da * x2]])
    g["encoder.0.b"] = np.array([da])
    return ell, g, (a, z, xh1, xh2)


def step1_forward_backward(say):
    say("== 1. The §1.3 network by hand (first observation) and by npae")
    ae, X = review_model()
    ell, g, (a, z, xh1, xh2) = by_hand(*X[0])
    say(f"x = {X[0]},  a = {a:.6f},  z = sigmoid(a) = {z:.6f},  x_hat = ({xh1:.6f}, {xh2:.6f})")
    say(f"per-observation loss ½‖x − x̂‖² = {ell:.6f}")
    # npae on the whole batch = the mean of the per-observation quantities.
    total, grads_hand = 0.0, {k: np.zeros_like(v) for k, v in ae.params_.items()}
    for x in X:
        ell_i, g_i, _ = by_hand(*x)
        total += ell_i / len(X)
        for k in g_i:
            grads_hand[k] += g_i[k] / len(X)
    loss, grads = ae.loss_and_grads(X)
    say(f"mean loss over the 10 observations: by hand {total:.12f}, npae {loss:.12f}")
    worst = max(float(np.max(np.abs(grads[k] - grads_hand[k]))) for k in grads)
    say(f"largest difference between hand and npae gradients: {worst:.1e}")
    return loss, worst


def step2_one_sgd_step(say):
    say("\n== 2. One step of gradient descent, Θ ← Θ − ε ∂L/∂Θ (ε = 0.1)")
    ae, X = review_model()
    ae.set_params(optimizer="sgd", learning_rate=0.1)
    loss0, grads = ae.loss_and_grads(X)
    expected = {k: ae.params_[k] - 0.1 * grads[k] for k in grads}
    # The public training step: forward, loss, backward, one update of the model's
    # optimizer.  It is the very step fit() takes for every minibatch
    # (npae/estimator/base.py, BaseAutoencoder.step).
    terms = ae.step(X)
    assert abs(terms["reconstruction"] - loss0) < 1e-15  # the loss before the update
    for k in expected:
        assert np.allclose(ae.params_[k], expected[k], rtol=0, atol=1e-15)
    loss1, _ = ae.loss_and_grads(X)
    say(f"loss before {loss0:.6f} → after one step {loss1:.6f}")
    return loss0, loss1


def buggy_sigmoid_layer(params):
    """A student's layer: L = ½‖sigmoid(x W)‖² with a bug in the backward pass."""
    x = np.array([[0.5, -1.0, 2.0]])
    h = 1.0 / (1.0 + np.exp(-(x @ params)))            # (1, 3) @ (3, 2) -> (1, 2)
    value = 0.5 * float(np.sum(h * h))
    dW = x.T @ h                                       # BUG: forgot the factor h(1 − h)
    return value, dW


def correct_sigmoid_layer(params):
    x = np.array([[0.5, -1.0, 2.0]])
    h = 1.0 / (1.0 + np.exp(-(x @ params)))
    value = 0.5 * float(np.sum(h * h))
    dW = x.T @ (h * h * (1.0 - h))                     # dℓ/da = h · h(1 − h)
    return value, dW


def step3_gradient_check(say):
    say("\n== 3. Numerical gradient checks")
    ae, X = review_model()
    report = npae.check_gradients(ae, X)
    say(str(report))
    W = np.random.default_rng(0).normal(size=(3, 2))
    bad = check_gradient(buggy_sigmoid_layer, W.copy())
    good = check_gradient(correct_sigmoid_layer, W.copy())
    say(f"\nyour layer with the bug:   {'PASSED' if bad.passed else 'FAILED'} "
        f"(relative error {bad.max_rel_error:.2e})")
    say(f"your layer, fixed:         {'PASSED' if good.passed else 'FAILED'} "
        f"(relative error {good.max_rel_error:.2e})")
    return report, bad, good


def step4_train(say, out, quick):
    say("\n== 4. Training")
    ae, X = review_model()
    ae.set_params(epochs=200 if quick else 2000, optimizer="lbfgs")
    ae.fit(X)  # fit starts again from a random initialisation (random_state=0)
    say(f"toy model, L-BFGS: loss {ae.history_['loss'][0]:.4f} → {ae.history_['loss'][-1]:.4f}; "
        f"codes of the 10 observations: {np.round(ae.transform(X).ravel(), 3)}")
    Xd, _ = load_mnist(n=600 if quick else 3000)
    digits = npae.Autoencoder(hidden=(), latent_dim=64, activation="sigmoid", loss="bce",
                              epochs=3 if quick else 20, random_state=0).fit(Xd)
    say(f"digits, 784-64-784: loss {digits.history_['loss'][0]:.1f} → "
        f"{digits.history_['loss'][-1]:.1f} nats per image")
    # The filters W themselves look like noise: they start random, and a pixel that is 0
    # in every image (the border) gets no gradient (dW = Xᵀ δ), so it keeps its random
    # start.  What training learned is W − W_init (initialize() draws the same start).
    W0 = type(digits)(**digits.get_params()).initialize(Xd).params_["encoder.0.W"]
    learned = digits.params_["encoder.0.W"] - W0
    border = Xd.max(axis=0) == 0
    moved = np.linalg.norm(learned) / np.linalg.norm(W0)
    say(f"the first-layer filters W look like noise: they start random, training moved them "
        f"by {moved:.0%} of their initial size, and the {int(border.sum())} pixels that are 0 "
        "in every digit kept their random start (no gradient reaches them).  filters.png "
        "shows what training added, W − W_init: after this short run mostly one blob, the "
        "average digit, with small differences between units — a plain autoencoder trained "
        "briefly does not learn stroke detectors (tutorials/sparse.py shows filters that do).")
    plot.image_tiles(learned.T[:36],
                     title="first-layer filters: W − W_init (what training added)",
                     path=os.path.join(out, "filters.png"))
    return ae, digits


def main(argv=None):
    args, say = parse(make_parser(__doc__, "first_autoencoder"), argv)
    loss, worst = step1_forward_backward(say)
    loss0, loss1 = step2_one_sgd_step(say)
    report, bad, good = step3_gradient_check(say)
    toy, digits = step4_train(say, args.out, args.quick)
    return {"hand_vs_npae": worst, "loss0": loss0, "loss1": loss1, "report": report,
            "buggy": bad, "fixed": good, "toy": toy, "digits": digits}


if __name__ == "__main__":
    main()
