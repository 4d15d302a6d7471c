"""A solution of the ``conv_backward`` exercise, written the way a student would."""

import numpy as np


def pad_images(X, pad):
    return np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def output_size(size, k, stride, pad):
    return (size + 2 * pad - k) // stride + 1


def conv2d_forward(X, W, b, stride, pad):
    n, c, h, w = X.shape
    f, _, kh, kw = W.shape
    oh, ow = output_size(h, kh, stride, pad), output_size(w, kw, stride, pad)
    Xp = pad_images(X, pad)
    Y = np.zeros((n, f, oh, ow))
    for y in range(oh):
        for x in range(ow):
            window = Xp[:, :, y * stride:y * stride + kh, x * stride:x * stride + kw]
            Y[:, :, y, x] = np.tensordot(window, W, axes=([1, 2, 3], [1, 2, 3]))
    return Y + b[None, :, None, None]


def conv2d_db(dY):
    return dY.sum(axis=(0, 2, 3))


def conv2d_dW(dY, X, W, stride, pad):
    f, c, kh, kw = W.shape
    _, _, oh, ow = dY.shape
    Xp = pad_images(X, pad)
    dW = np.zeros(W.shape)
    for y in range(oh):
        for x in range(ow):
            # (n, f) . (n, c, kh, kw) summed over the samples -> (f, c, kh, kw)
            patch = Xp[:, :, y * stride:y * stride + kh, x * stride:x * stride + kw]
            dW += np.tensordot(dY[:, :, y, x], patch, axes=([0], [0]))
    return dW


def conv2d_dX(dY, X, W, stride, pad):
    n, c, h, w = X.shape
    f, _, kh, kw = W.shape
    _, _, oh, ow = dY.shape
    dXp = np.zeros((n, c, h + 2 * pad, w + 2 * pad))
    for y in range(oh):
        for x in range(ow):
            # (n, f) . (f, c, kh, kw) -> (n, c, kh, kw), spread back over the window
            dXp[:, :, y * stride:y * stride + kh, x * stride:x * stride + kw] += \
                np.tensordot(dY[:, :, y, x], W, axes=([1], [0]))
    return dXp[:, :, pad:pad + h, pad:pad + w]
