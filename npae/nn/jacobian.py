r"""The Jacobian of an MLP encoder and the contractive penalty, by hand.

Reference: Rifai, Vincent, Muller, Glorot & Bengio (2011), *Contractive
auto-encoders: explicit invariance during feature extraction*, ICML; Caron,
*Literature review – Autoencoders* (2020), §2.5.

.. math:: \Omega = \lambda \frac1n \sum_i \Big\lVert \frac{\partial z^{(i)}}{\partial x^{(i)}}
          \Big\rVert_F^2 \qquad \text{(the review's Ω, averaged over a batch)}

With :math:`a_l = W_l^\top h_{l-1} + b_l`, :math:`h_l = f_l(a_l)`,
:math:`D_l = \operatorname{diag}(f_l'(a_l))` and
:math:`J = \partial z/\partial x = D_L W_L^\top \cdots D_1 W_1^\top` (k × d):

1. :math:`U_l = \partial z/\partial a_l` is accumulated in reverse from the code (all k
   vector-Jacobian products at once);
2. :math:`\lVert J \rVert_F^2 = \langle U_1, U_1 G \rangle` with the Gram matrix
   :math:`G = W_1^\top W_1` shared by the batch, so the (n × k × d) Jacobian is never formed
   (``method="auto"`` forms :math:`J = U_1 W_1^\top` instead when :math:`h_1 > 1.5\, d`);
3. one layer: Rifai's closed form :math:`\sum_j f'(a_j)^2 \sum_i W_{ij}^2`;
4. the gradient runs the adjoints back up the chain; each :math:`f'_l` brings in
   :math:`f''_l`, and the resulting :math:`\bar a_l` join one ordinary backward pass of the
   encoder (:func:`backward_with_preactivation`);
5. cost: :math:`\approx 1 + k h_1 / (4 (d + k))` times a plain step (5.8 for 784–256–64),
   measured in ``benchmarks/contractive.py``.

The full derivation, adjoint by adjoint, with the flop count and why it is
not cheaper: ``docs/contractive_jacobian.md``.
"""

from __future__ import annotations

import numpy as np

from .network import accumulate, grad_entry
from .batch import empty

__all__ = ["encoder_jacobian", "jacobian_frobenius_sq", "contractive_penalty",
           "backward_with_preactivation", "METHODS"]

#: How ‖J‖²_F is computed at the first layer (all give the same value and gradient).
METHODS = ("auto", "gram", "jacobian")


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def _weight(mlp, params, layer):
    return mlp.weight(params, layer)  # (n_in, n_out), transposed view for a tied layer


def _add_weight_grad(grads, layer, g):
    """Add the gradient ``g`` of the (n_in, n_out) weight a layer multiplies by."""
    accumulate(grads, layer.W, g.T if layer.transpose else g)


def _bmm(P, M):
    """Per-sample products P^(i) M for P (n, k, a), M (a, b) -> (n, k, b): one GEMM."""
    n, k, a = P.shape
    out = empty((n * k, M.shape[1]), np.result_type(P, M))
    return np.matmul(P.reshape(n * k, a), M, out=out).reshape(n, k, M.shape[1])


def _outer_scale(d, M):
    """diag(d^(i)) M for each row d^(i) of d (n, k) and M (k, a) -> (n, k, a), in a work buffer.

    The (n, k, a) arrays of the penalty are its largest: taking them from the
    workspace (reused across training steps) avoids page faults on every step.
    """
    out = empty((d.shape[0], *M.shape), np.result_type(d, M))
    return np.multiply(d[:, :, None], M[None, :, :], out=out)


def _sum_of_products(P, Q, ops):
    """Σ_i P^(i)ᵀ Q^(i) for P (n, k, a), Q (n, k, b) -> (a, b).

    The batch path folds the sum over samples into one (a, n·k) @ (n·k, b)
    product; the reference path adds the per-observation (a × b) products one
    sample at a time, as the equations are written.
    """
    n, k, a = P.shape
    b = Q.shape[2]
    if ops.VECTORIZED:
        P2 = P.reshape(n * k, a)
        Q2 = Q.reshape(n * k, b)
        return P2.T @ Q2  # (a, n·k) @ (n·k, b) -> (a, b); syrk when P is Q
    total = np.zeros((a, b), dtype=np.result_type(P, Q))
    for i in range(n):
        total += P[i].T @ Q[i]  # (a, k) @ (k, b)
    return total


def _weighted_sum(P, w, ops):
    """Σ_i diag(w^(i)) P^(i) for P (n, k, a), w (n, k) -> (k, a)."""
    if ops.VECTORIZED:
        return np.einsum("nka,nk->ka", P, w)
    total = np.zeros(P.shape[1:], dtype=np.result_type(P, w))
    for i in range(P.shape[0]):
        total += w[i][:, None] * P[i]  # (k, 1) * (k, a)
    return total


def _derivatives(mlp, cache, second=True):
    """f'_l(a_l) and (if ``second``) f''_l(a_l) per layer, from the forward cache."""
    D, S = [], []
    for layer, (_, A, H) in zip(mlp.layers, cache):
        D.append(layer.activation.grad(A, H))  # (n, h_l)
        S.append(layer.activation.grad2(A, H) if second else None)  # (n, h_l)
    return D, S


def _chain(mlp, params, D):
    """Reverse accumulation U_l = ∂z/∂a_l, V_l = ∂z/∂h_l (0-based layers).

    Returns lists ``U``, ``V`` of length L.  ``U[L-1]`` is the diagonal
    ``D[L-1]`` stored as (n, k); every other ``U[l]``, ``V[l]`` is (n, k, h_l);
    ``V[L-1]`` is None (never needed).
    """
    L = len(mlp.layers)
    U = [None] * L
    V = [None] * L
    U[L - 1] = D[L - 1]  # diagonal: (n, k)
    for l in range(L - 1, 0, -1):
        # (h_l, h_{l-1}), made contiguous so that the (n, k, ·) arrays below are
        # C-ordered and reshape to (n·k, ·) without copies
        Wt = np.ascontiguousarray(_weight(mlp, params, mlp.layers[l]).T)
        if l == L - 1:
            # diag(f'_L) W_Lᵀ: scale the rows of W_Lᵀ per sample, no product needed
            V[l - 1] = _outer_scale(D[l], Wt)  # (n, k, 1) * (1, k, h_{l-1})
        else:
            V[l - 1] = _bmm(U[l], Wt)  # (n, k, h_l) @ (h_l, h_{l-1}) -> (n, k, h_{l-1})
        # right-multiply by diag(f'_{l-1}), into a work buffer
        U[l - 1] = np.multiply(V[l - 1], D[l - 1][:, None, :], out=empty(V[l - 1].shape,
                                                                       V[l - 1].dtype))
    return U, V


def _resolve_method(method, mlp):
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {list(METHODS)}")
    if method != "auto":
        return method
    first = mlp.layers[0]
    if len(mlp.layers) == 1:
        return "gram"  # Rifai's closed form: diag(G) only
    # ⟨U_1, U_1 G⟩ and its gradient cost 3-4 n k h_1² flops (U_1 G, Σ U_1ᵀU_1), the explicit
    # J = U_1 W_1ᵀ ≈ 6 n k h_1 d (J, J W_1, Σ Jᵀ U_1): the Gram form wins unless h_1 > 1.5 d.
    return "gram" if 2 * first.n_out <= 3 * first.n_in else "jacobian"


def _forward_if_needed(mlp, params, X, ops, cache):
    if cache is None:
        _, cache = mlp.forward(params, X, ops)
    if len(cache) != len(mlp.layers):
        raise ValueError(f"cache has {len(cache)} layers, the encoder {len(mlp.layers)}; pass "
                         "the cache returned by this encoder's forward()")
    return cache


# --------------------------------------------------------------------------- #
# public
# --------------------------------------------------------------------------- #
def encoder_jacobian(mlp, params, X, ops=None, cache=None):
    r"""The explicit Jacobian :math:`\partial z/\partial x` of an MLP encoder at each row of ``X``.

    For tests, figures and teaching: it materialises an (n, k, d) array, so
    keep ``n`` small (the penalty itself never forms it).

    Parameters
    ----------
    mlp : npae.nn.MLP
    params : dict name -> ndarray
    X : ndarray of shape (n, d)
    ops : module, optional
        Execution path for the forward pass (default: batch).
    cache : list, optional
        The forward cache of ``mlp`` at ``X`` (skips the forward pass).

    Returns
    -------
    ndarray of shape (n, k, d)
        ``J[i, j, m]`` = :math:`\partial z_j(x^{(i)}) / \partial x_m`.
    """
    if ops is None:
        from . import batch as ops
    cache = _forward_if_needed(mlp, params, X, ops, cache)
    D, _ = _derivatives(mlp, cache, second=False)
    U, _ = _chain(mlp, params, D)
    W1t = np.ascontiguousarray(_weight(mlp, params, mlp.layers[0]).T)  # (h_1, d)
    if len(mlp.layers) == 1:
        return D[0][:, :, None] * W1t[None, :, :]  # diag(f'_1) W_1ᵀ: (n, k, d)
    return _bmm(U[0], W1t)  # (n, k, h_1) @ (h_1, d) -> (n, k, d)


def _first_layer(U1, W1, diag, method, scale, need_grad, ops):
    """‖U_1 W_1ᵀ‖²_F and, if asked, Ū_1 and W̄_1 (both times ``scale``).

    ``diag``: U_1 is the diagonal f'_1 stored as (n, h_1) (a one-layer encoder).
    Returns (per-sample values (n,) — with ``need_grad`` their sum over the
    batch, a float —, Ū_1 or None, W̄_1 or None).
    """
    if method == "gram":
        if diag:
            # Rifai et al. 2011: ‖J‖² = Σ_j f'(a_j)² Σ_m W_mj²
            col_sq = np.einsum("mj,mj->j", W1, W1)  # diag(G) = Σ_m W_mj²: (k,)
            D2 = U1 * U1  # (n, k)
            values = D2 @ col_sq  # (n, k) @ (k,) -> (n,)
            if not need_grad:
                return values, None, None
            Ubar = (2.0 * scale) * U1 * col_sq  # ∂/∂f'_j = 2 f'_j G_jj: (n, k)
            Gbar_diag = scale * ops.sum_over_samples(D2)  # Σ_i f'_ij²: (k,)
            Wbar = (2.0 * W1) * Gbar_diag  # 2 W_1 diag(Ḡ): (d, k)
            return float(ops.sum_over_samples(values)), Ubar, Wbar
        G = W1.T @ W1  # (h_1, d) @ (d, h_1) -> (h_1, h_1), shared by all samples
        if not need_grad:
            P = _bmm(U1, G)  # (n, k, h_1) @ (h_1, h_1) -> (n, k, h_1)
            return np.einsum("nka,nka->n", U1, P), None, None  # ⟨U_1, U_1 G⟩ per sample
        Gbar = _sum_of_products(U1, U1, ops)  # Σ_i U_1ᵀ U_1: (h_1, h_1)
        # The batch's Σ_i ⟨U_1, U_1 G⟩ = ⟨Σ_i U_1ᵀU_1, G⟩ = ⟨Ḡ, G⟩: no pass over
        # the (n, k, h_1) arrays.  Likewise the factor 2·scale of Ū_1 = 2 U_1 G
        # goes on the small G, not on the large product.
        total = float(np.vdot(Gbar, G))
        Ubar = _bmm(U1, (2.0 * scale) * G)  # (n, k, h_1) @ (h_1, h_1) -> (n, k, h_1)
        Wbar = W1 @ Gbar  # (d, h_1) @ (h_1, h_1) -> (d, h_1)
        Wbar *= 2.0 * scale
        return total, Ubar, Wbar
    # method == "jacobian": form J = U_1 W_1ᵀ explicitly
    if diag:
        J = _outer_scale(U1, np.ascontiguousarray(W1.T))  # (n, k, d)
    else:
        J = _bmm(U1, W1.T)  # (n, k, h_1) @ (h_1, d) -> (n, k, d)
    values = np.einsum("nkm,nkm->n", J, J)
    if not need_grad:
        return values, None, None
    J *= 2.0 * scale
    if diag:
        Ubar = np.einsum("nkm,mk->nk", J, W1)  # diagonal of 2 J W_1: (n, k)
        Wbar = _weighted_sum(J, U1, ops).T  # Σ_i 2 J_iᵀ diag(f'_1): (d, k)
    else:
        Ubar = _bmm(J, W1)  # 2 J W_1: (n, k, d) @ (d, h_1) -> (n, k, h_1)
        Wbar = _sum_of_products(J, U1, ops)  # Σ_i 2 J_iᵀ U_1^(i): (d, h_1)
    return float(ops.sum_over_samples(values)), Ubar, Wbar


def _penalty(mlp, params, cache, scale, ops, grads, method):
    """Per-sample ‖J‖²_F; with ``grads``, their sum over the batch instead, the
    direct weight gradients (times ``scale``) added into ``grads``, and the
    pre-activation adjoints {l: ā_l}."""
    L = len(mlp.layers)
    method = _resolve_method(method, mlp)
    need_grad = grads is not None
    D, S = _derivatives(mlp, cache, second=need_grad)
    U, V = _chain(mlp, params, D)
    W1 = _weight(mlp, params, mlp.layers[0])
    values, Ubar, W1bar = _first_layer(U[0], W1, L == 1, method, scale, need_grad, ops)
    if not need_grad:
        return values, None
    _add_weight_grad(grads, mlp.layers[0], W1bar)
    Dbar = [None] * L  # ∂Ω/∂f'_l per sample: (n, h_l)
    for l in range(L - 1):
        # U_l = V_l diag(f'_l)
        Dbar[l] = np.einsum("nka,nka->na", Ubar, V[l])  # Σ over code units: (n, h_l)
        Vbar = Ubar  # Ū_l is not needed any more: scale it in place
        Vbar *= D[l][:, None, :]  # V̄_l = Ū_l diag(f'_l): (n, k, h_l)
        # V_l = U_{l+1} W_{l+1}ᵀ
        layer = mlp.layers[l + 1]
        W = _weight(mlp, params, layer)  # (h_l, h_{l+1})
        if l + 1 == L - 1:  # U_L = diag(f'_L)
            Wt = np.ascontiguousarray(W.T)  # (k, h_l)
            Dbar[l + 1] = np.einsum("nja,ja->nj", Vbar, Wt)  # diag(V̄ W): (n, k)
            Wg = _weighted_sum(Vbar, D[l + 1], ops).T  # Σ_i V̄ᵀ diag(f'_L): (h_l, k)
            _add_weight_grad(grads, layer, Wg)
        else:
            Ubar = _bmm(Vbar, W)  # (n, k, h_l) @ (h_l, h_{l+1}) -> (n, k, h_{l+1})
            _add_weight_grad(grads, layer, _sum_of_products(Vbar, U[l + 1], ops))
    if L == 1:
        Dbar[0] = Ubar  # the diagonal of Ū_1
    # f'_l = f'_l(a_l): the chain rule through the first derivative needs f''
    dA = {l: Dbar[l] * S[l] for l in range(L)}
    return values, dA


def jacobian_frobenius_sq(mlp, params, X, ops=None, cache=None, method="auto"):
    r""":math:`\lVert \partial z/\partial x \rVert_F^2` at each row of ``X``, without forming the Jacobian.

    Returns
    -------
    ndarray of shape (n,)
    """
    if ops is None:
        from . import batch as ops
    cache = _forward_if_needed(mlp, params, X, ops, cache)
    values, _ = _penalty(mlp, params, cache, 1.0, ops, None, method)
    return values


def contractive_penalty(mlp, params, X, lam, ops, grads=None, cache=None, dA=None,
                        method="auto"):
    r""":math:`\Omega = \lambda \frac1n \sum_i \lVert \partial z^{(i)}/\partial x^{(i)} \rVert_F^2` for an MLP encoder of any depth.

    The derivation is in the module docstring.  The value is exact; so is the
    gradient with respect to every encoder parameter, which needs the
    activations' second derivatives.

    Parameters
    ----------
    mlp : npae.nn.MLP
        The encoder x -> z (any depth; ReLU units use their a.e. derivative).
    params : dict name -> ndarray
    X : ndarray of shape (n, d)
    lam : float
        λ ≥ 0, included in the returned value.
    ops : module
        :mod:`npae.nn.batch` or :mod:`npae.nn.reference`.
    grads : dict, optional
        If given, :math:`\partial\Omega/\partial\theta` is *added* into it (keys like ``params``).  Without it
        only the value is computed.
    cache : list, optional
        The encoder's forward cache at ``X`` (``mlp.forward(params, X, ops)[1]``),
        so that the forward pass is not redone.
    dA : dict, optional
        With ``grads``: store :math:`\partial\Omega/\partial A_l` (the pre-activation adjoints :math:`\bar a_l`, one
        (n, h_l) array per layer index l) in this dict instead of carrying them
        down the encoder here.  A model then passes them to
        :func:`backward_with_preactivation` together with its reconstruction
        gradient and saves one backward pass.
    method : {"auto", "gram", "jacobian"}
        "gram": :math:`\langle U_1, U_1 W_1^\top W_1 \rangle` (Rifai's closed form for one layer);
        "jacobian": the explicit (n, k, d) Jacobian; "auto" picks the cheaper.

    Returns
    -------
    float
    """
    lam = float(lam)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
    cache = _forward_if_needed(mlp, params, X, ops, cache)
    n = cache[0].H_in.shape[0]
    scale = lam / n
    values, adj = _penalty(mlp, params, cache, scale, ops, grads, method)
    if grads is None:
        value = lam * float(ops.mean_over_samples(values))
    else:
        value = lam * values / n  # _penalty summed the batch with the gradient
    if grads is not None:
        if dA is not None:
            for l, g in adj.items():
                dA[l] = dA[l] + g if l in dA else g
        else:
            backward_with_preactivation(mlp, params, cache, None, adj, grads, ops,
                                        need_dX=False)
    return value


def backward_with_preactivation(mlp, params, cache, dH, dA, grads, ops, need_dX=False):
    r"""Backpropagate through an MLP with extra gradients on the pre-activations.

    Like :meth:`npae.nn.MLP.backward`, plus ``dA`` = :math:`\{l: \partial\Omega/\partial A_l\}` added to the
    gradient of layer l's pre-activation where the walk passes it (a term that
    depends on ``A_l`` through ``f'_l(A_l)``, such as the contractive penalty,
    cannot be written as a gradient on ``H_l`` when f' vanishes).

    Parameters
    ----------
    dH : ndarray of shape (n, n_out) or None
        :math:`\partial L/\partial H_L` from the terms above the network (e.g. the decoder), if any.
    dA : dict layer index -> ndarray (n, h_l)
    grads : dict
        Gradients are *added* into it.

    Returns
    -------
    dX : ndarray of shape (n, n_in), or None when ``need_dX`` is False
    """
    for l in range(len(mlp.layers) - 1, -1, -1):
        layer = mlp.layers[l]
        H_in, A, H = cache[l]
        dA_l = None
        if dH is not None:
            dA_l = layer.activation.backward(dH, A, H, out=empty(A.shape, A.dtype))  # (n, h_l)
        if l in dA:
            dA_l = dA[l] if dA_l is None else dA_l + dA[l]  # (new: dA_l may be dH itself)
        if dA_l is None:  # nothing flows through this layer
            dH = None
            continue
        dW = grad_entry(grads, params, layer.W)  # added into in place, as MLP.backward
        dH, _, _ = ops.dense_backward(dA_l, H_in, _weight(mlp, params, layer),
                                      need_dX=(need_dX or l > 0),
                                      dW=dW.T if layer.transpose else dW,
                                      db=grad_entry(grads, params, layer.b))
    return dH
