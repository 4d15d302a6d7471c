r"""Distance to the k-th nearest reference row: PyOD's KNN score, without an n × n matrix.

Ramaswamy, Rastogi & Shim (2000) rank points by the distance to their k-th nearest
neighbour; Angiulli & Pizzuti (2002) by the mean distance to the k nearest. PyOD's
2019 benchmark (``docs/tables/roc.csv``) ranks its KNN (k = 5, "largest") among the
best detectors on the ODDS sets. Fitted on reference rows ``R`` (m, r), the score is
**higher = more abnormal**:

.. math:: s_{\mathrm{largest}}(z) = \lVert z - r_{(k)}(z) \rVert_2, \qquad
          s_{\mathrm{mean}}(z) = \frac1k \sum_{j=1}^{k} \lVert z - r_{(j)}(z) \rVert_2

Symbols: :math:`r_{(j)}(z)` the j-th nearest row of ``R`` to ``z``. A training row that
is itself one of the reference rows leaves itself out (``self_index``), as PyOD's KNN
does for its ``decision_scores_``: its own zero distance would make it look normal.

Cost: a k-d tree (``scipy.spatial.cKDTree``) in few dimensions, where it prunes well;
above :data:`KDTREE_MAX_DIM` blocked matrix products of ``(c, r) @ (r, m)`` with at
most ``_CHUNK_ENTRIES`` entries per block. Both are linear in the number of queries
for a fixed reference set; the detector bounds ``m`` by subsampling.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree as _KDTree  # private name: autodoc cannot sign the Cython class

from .._validation import check_array
from ..metrics._common import _CHUNK_ENTRIES

__all__ = ["KNNScore", "KDTREE_MAX_DIM"]

#: above this dimension a k-d tree visits most leaves; blocked products are faster
KDTREE_MAX_DIM = 16


class KNNScore:
    """Distance to the k-th nearest (or mean of the k nearest) reference rows.

    Parameters
    ----------
    R : array-like of shape (m, r)
        Reference rows (already in the space the distances are measured in).
    n_neighbors : int, default 5
        k; at most ``m - 1`` (so a reference row leaving itself out still has k).
    method : {"largest", "mean"}, default "largest"
    """

    def __init__(self, R, n_neighbors=5, method="largest"):
        self.ref_ = check_array(R, name="R", min_samples=2)
        m = self.ref_.shape[0]
        if not 1 <= n_neighbors <= m - 1:
            raise ValueError(f"n_neighbors={n_neighbors} needs at least n_neighbors + 1 = "
                             f"{n_neighbors + 1} reference rows, got {m}")
        if method not in ("largest", "mean"):
            raise ValueError(f"method must be 'largest' or 'mean', got {method!r}")
        self.k_, self.method_ = int(n_neighbors), method
        self.tree_ = _KDTree(self.ref_) if self.ref_.shape[1] <= KDTREE_MAX_DIM else None

    def distances(self, Z, self_index=None):
        """Sorted distances to the k nearest reference rows.  (n, r) -> (n, k)

        ``self_index`` (n,) of int: the position in ``R`` of each query row's own copy,
        or -1; that reference row is left out of the query row's neighbours.
        """
        Z = np.asarray(Z, dtype=np.float64)
        if self_index is None:
            self_index = np.full(Z.shape[0], -1, dtype=np.int64)
        k = self.k_
        if self.tree_ is not None:
            return self._tree_distances(Z, np.asarray(self_index), k)
        return self._blocked_distances(Z, np.asarray(self_index), k)

    def _tree_distances(self, Z, self_index, k):
        # one neighbour more than needed, then drop the row's own entry (or the farthest
        # when the row's own copy is not among them: ties at distance 0 with duplicates)
        dist, idx = self.tree_.query(Z, k=k + 1)  # (n, k+1) each
        own = idx == self_index[:, None]
        drop = np.where(own.any(axis=1), own.argmax(axis=1), k)
        keep = np.ones_like(own)
        keep[np.arange(len(Z)), drop] = False
        return dist[keep].reshape(len(Z), k)

    def _blocked_distances(self, Z, self_index, k):
        R = self.ref_
        r2 = np.sum(R * R, axis=1)
        out = np.empty((Z.shape[0], k))
        step = max(1, _CHUNK_ENTRIES // R.shape[0])
        for i in range(0, Z.shape[0], step):
            a = Z[i:i + step]
            # squared distances |a|^2 - 2 a.r + |r|^2: (c, r) @ (r, m) -> (c, m)
            d2 = np.maximum(np.sum(a * a, axis=1)[:, None] - 2.0 * a @ R.T + r2[None, :], 0.0)
            own = self_index[i:i + step]
            rows = np.flatnonzero(own >= 0)
            d2[rows, own[rows]] = np.inf
            part = np.partition(d2, k - 1, axis=1)[:, :k]  # the k smallest, unordered
            out[i:i + step] = np.sqrt(np.sort(part, axis=1))
        return out

    def __call__(self, Z, self_index=None):
        d = self.distances(Z, self_index)
        return d[:, -1] if self.method_ == "largest" else d.mean(axis=1)
