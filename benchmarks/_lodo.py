"""Candidate default rules for ``npae.OutlierDetector`` and the leave-one-dataset-out choice among them.

A candidate is a set of component scores of one fitted detector (an autoencoder
d -> 64 -> k, k = min(8, max(2, d // 2)), and the standardised input) and a rule
that combines them (:class:`npae.detection.ScoreCombiner`). Every candidate holds
at least one score of the autoencoder (its reconstruction, or a score on its codes):
the default must stay an autoencoder-centred detector. Rows of the standardised
input alone are reported beside them, never chosen.

Leave-one-dataset-out: for each set of the pool, the candidate with the highest mean
ROC AUC on the **other** sets is chosen, and scored on the held-out one. The mean of
those held-out scores estimates what a user gets from the rule on a set it never saw;
the candidate chosen on all the sets is the one that ships.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

#: component scores computed once per split, in this order
COMPONENTS = ("reconstruction", "knn", "mahalanobis", "input:knn", "input:mahalanobis")
_AE = {"reconstruction", "knn", "mahalanobis"}  # computed from the autoencoder
RULES = ("mean", "rank")
#: the components computed with :class:`npae.detection.AutoencoderEnsemble` as the estimator
ENSEMBLE_COMPONENTS = ("reconstruction", "input:knn")
ENSEMBLE_PREFIX = "AE ensemble: "


def ensemble_candidates():
    """name -> (component names, rule) of the ensemble's candidates (all eligible)."""
    out = {ENSEMBLE_PREFIX + "reconstruction": (("reconstruction",), "mean")}
    for rule in RULES:
        out[ENSEMBLE_PREFIX + f"reconstruction + input:knn [{rule}]"] = (ENSEMBLE_COMPONENTS, rule)
    return out


def candidates():
    """name -> (component names, combine rule); AE-centred ones (eligible) first."""
    out, other = {}, {}
    for r in range(1, len(COMPONENTS) + 1):
        for subset in combinations(COMPONENTS, r):
            target = out if _AE.intersection(subset) else other
            for rule in (("mean",) if r == 1 else RULES):
                label = " + ".join(subset) + ("" if r == 1 else f" [{rule}]")
                target[label] = (subset, rule)
    return out, other


def candidate_scores(S_train, S_test, subset, rule, components=COMPONENTS):
    """Scores of one candidate from the component scores (n, c) of the training and test rows."""
    from npae.detection import ScoreCombiner

    idx = [components.index(c) for c in subset]
    if len(idx) == 1:
        return S_test[:, idx[0]]
    return ScoreCombiner(S_train[:, idx], rule)(S_test[:, idx])


def choose(auc, names, sets):
    """The name with the highest mean ROC AUC over ``sets`` (first in ``names`` on ties)."""
    means = [np.mean([auc[n][s] for s in sets]) for n in names]
    return names[int(np.argmax(means))]


def leave_one_dataset_out(auc, names, sets):
    """{held-out set: (chosen on the others, its ROC AUC on the held-out set)}."""
    out = {}
    for held in sets:
        rest = [s for s in sets if s != held]
        best = choose(auc, names, rest)
        out[held] = (best, auc[best][held])
    return out
