"""Independent loss formulas for the convolutional and winner-take-all families
(``family_oracles.ORACLES`` calls them).  The convolution is fancy indexing +
``np.einsum``, its transpose a scatter with ``np.add.at``, pooling a reshape and
a comparison with the maximum: none of npae.nn.conv's code."""

import numpy as np

from npae.terms.noise import corrupt

from family_oracles import F, rec_loss, weight_decay


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _windows(hw, k, s, p):
    """Index arrays (oh, kh) of the padded rows (or columns) each output reads."""
    o = (hw + 2 * p - k) // s + 1
    return (np.arange(o) * s)[:, None] + np.arange(k)[None, :]


def corr(X, W, b, s, p):
    """Y[i,o,y,x] = b[o] + Σ W[o,c,u,v] Xp[i,c,y sh+u,x sw+v]."""
    Xp = np.pad(X, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    r = _windows(X.shape[2], W.shape[2], s[0], p[0])
    c = _windows(X.shape[3], W.shape[3], s[1], p[1])
    patches = Xp[:, :, r[:, :, None, None], c[None, None, :, :]]  # (n, c, oh, kh, ow, kw)
    return np.einsum("icyuxv,ocuv->ioyx", patches, W) + b[None, :, None, None]


def corr_T(Y, W, b, s, p, hw):
    """The transposed convolution as a scatter: out[i,c,y sh+u,x sw+v] += Y[i,o,y,x] W[o,c,u,v]."""
    n, c = Y.shape[0], W.shape[1]
    out = np.zeros((n, c, hw[0] + 2 * p[0], hw[1] + 2 * p[1]))
    r = _windows(hw[0], W.shape[2], s[0], p[0])  # (oh, kh)
    q = _windows(hw[1], W.shape[3], s[1], p[1])  # (ow, kw)
    T = np.einsum("ioyx,ocuv->icyuxv", Y, W)  # (n, c, oh, kh, ow, kw)
    rr = np.broadcast_to(r[:, :, None, None], T.shape[2:])
    cc = np.broadcast_to(q[None, None, :, :], T.shape[2:])
    for i in range(n):
        for ch in range(c):
            np.add.at(out[i, ch], (rr, cc), T[i, ch])
    return out[:, :, p[0]:p[0] + hw[0], p[1]:p[1] + hw[1]] + b[None, :, None, None]


def pool(G, size):
    """Max over windows and a mask of the first maximum of each window."""
    n, c, h, w = G.shape
    ph, pw = size
    oh, ow = h // ph, w // pw
    B = G[:, :, :oh * ph, :ow * pw].reshape(n, c, oh, ph, ow, pw).transpose(0, 1, 2, 4, 3, 5)
    B = B.reshape(n, c, oh, ow, ph * pw)
    P = B.max(axis=-1)
    hit = B == P[..., None]
    first = hit & (np.cumsum(hit, axis=-1) == 1)
    return P, first


def unpool(P, first, size, hw):
    n, c, oh, ow = P.shape
    ph, pw = size
    B = (first * P[..., None]).reshape(n, c, oh, ow, ph, pw).transpose(0, 1, 2, 4, 3, 5)
    U = np.zeros((n, c, *hw))
    U[:, :, :oh * ph, :ow * pw] = B.reshape(n, c, oh * ph, ow * pw)
    return U


def conv_forward(m, X_img, sparsify=None):
    """(output of the decoder network, code maps) of a convolutional model."""
    k, s, p, q = (_pair(v) for v in (m.kernel_size, m.stride, m.padding, m.pool))
    filters = (m.filters,) if isinstance(m.filters, int) else tuple(m.filters)
    L = len(filters)
    H, saved = X_img, []
    for l in range(L):
        act = (m.code_activation or m.activation) if l == L - 1 else m.activation
        G = F[act](corr(H, m.params_[f"encoder.{l}.W"], m.params_[f"encoder.{l}.b"], s, p))
        P, first = pool(G, q) if q != (1, 1) else (G, None)
        saved.append((H.shape[2:], G.shape[2:], first))
        H = P
    code = H if sparsify is None else sparsify(H)
    out = code
    for l in range(L - 1, -1, -1):
        in_hw, g_hw, first = saved[l]
        U = unpool(out, first, q, g_hw) if first is not None else out
        W = m.params_[f"encoder.{l}.W"] if m.tied else m.params_[f"decoder.{l}.W"]
        O = corr_T(U, W, m.params_[f"decoder.{l}.b"], s, p, in_hw)
        act = ("identity" if m.loss == "bce" else (m.output_activation or "identity")) \
            if l == 0 else m.activation
        out = F[act](O)
    return out.reshape(len(X_img), -1), code


def conv(m, X, y, seed):
    X_in = X
    if m.noise is not None:
        lo, hi = m.noise_range_
        kw = {"low": lo, "high": hi} if m.noise == "salt_and_pepper" else {}
        X_in = corrupt(X, m.noise, m.corruption_level, np.random.default_rng(seed), **kw)
    out, _ = conv_forward(m, X_in.reshape(len(X), *m.image_shape_))
    return rec_loss(m.loss, out, X) + weight_decay(m)



def _top_rows(V, rate):
    """Mask of the ⌈rate n⌉ largest entries of each column of V (n, m), ties: lowest row."""
    k = min(len(V), max(1, int(np.ceil(rate * len(V)))))
    order = np.argsort(-V, axis=0, kind="stable")[:k]  # (k, m)
    mask = np.zeros(V.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=0)
    return mask


def wta(m, X, y, seed):
    from family_oracles import ae_decode, ae_forward

    _, Z = ae_forward(m, X)
    return rec_loss(m.loss, ae_decode(m, Z * _top_rows(Z, m.sparsity)), X) + weight_decay(m)


def conv_wta(m, X, y, seed):
    def sparsify(H):
        n, c = H.shape[:2]
        flat = H.reshape(n, c, -1)
        first = np.argsort(-flat, axis=2, kind="stable")[..., 0]  # (n, c) spatial winner
        value = np.take_along_axis(flat, first[..., None], 2)[..., 0]
        keep = _top_rows(value, m.sparsity)  # (n, c) lifetime winners
        out = np.zeros_like(flat)
        np.put_along_axis(out, first[..., None], (value * keep)[..., None], 2)
        return out.reshape(H.shape)

    out, _ = conv_forward(m, X.reshape(len(X), *m.image_shape_), sparsify)
    return rec_loss(m.loss, out, X) + weight_decay(m)
