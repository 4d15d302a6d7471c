"""Every public name of the modules split by idea still imports from its old path."""

import importlib

import pytest

OLD_NAMES = {
    "npae.metrics": [
        "roc_auc", "homogeneity_completeness_v_measure", "v_measure", "sample_bounding_box",
        "em_curve", "mv_curve", "em_mv_scores", "EMCurve", "MVCurve", "precision_at_k",
        "binarize_codes", "hamming_distances", "precision_at_hamming_radius", "kmeans",
        "KMeansResult", "gaussian_mixture", "GaussianMixtureResult",
    ],
    "npae.classical": [
        "PCA", "LinearAutoencoderWeights", "linear_autoencoder_closed_form", "principal_angles",
        "recover_principal_components", "predicted_decoder_singular_values",
    ],
    "npae.datasets": [
        "load_mnist", "read_idx", "train_test_split", "make_review_example", "make_low_rank",
        "make_anomalies", "extract_patches",
    ],
}

# Where each name lives now (the old path must give the very same object).
NEW_HOMES = {
    "npae.metrics": {
        "v_measure": "npae.metrics.clustering",
        "homogeneity_completeness_v_measure": "npae.metrics.clustering",
        "em_curve": "npae.metrics.anomaly", "mv_curve": "npae.metrics.anomaly",
        "em_mv_scores": "npae.metrics.anomaly", "roc_auc": "npae.metrics.anomaly",
        "sample_bounding_box": "npae.metrics.anomaly", "EMCurve": "npae.metrics.anomaly",
        "MVCurve": "npae.metrics.anomaly",
        "precision_at_k": "npae.metrics.retrieval", "binarize_codes": "npae.metrics.retrieval",
        "hamming_distances": "npae.metrics.retrieval",
        "precision_at_hamming_radius": "npae.metrics.retrieval",
        "kmeans": "npae.classical.kmeans", "KMeansResult": "npae.classical.kmeans",
        "gaussian_mixture": "npae.classical.mixture", "GaussianMixtureResult": "npae.classical.mixture",
    },
    "npae.classical": {
        "PCA": "npae.classical.pca",
        "LinearAutoencoderWeights": "npae.classical.linear_theory",
        "linear_autoencoder_closed_form": "npae.classical.linear_theory",
        "principal_angles": "npae.classical.linear_theory",
        "recover_principal_components": "npae.classical.linear_theory",
        "predicted_decoder_singular_values": "npae.classical.linear_theory",
    },
    "npae.datasets": {
        "read_idx": "npae.datasets.idx", "load_mnist": "npae.datasets.mnist",
        "make_review_example": "npae.datasets.synthetic",
        "make_low_rank": "npae.datasets.synthetic", "make_anomalies": "npae.datasets.synthetic",
        "extract_patches": "npae.datasets.patches", "train_test_split": "npae.datasets.split",
    },
}


@pytest.mark.parametrize("module", sorted(OLD_NAMES))
def test_old_names_import_and_are_listed(module):
    mod = importlib.import_module(module)
    for name in OLD_NAMES[module]:
        assert hasattr(mod, name), f"{module}.{name} no longer exists"
        assert name in mod.__all__, f"{name} missing from {module}.__all__"
        exec(f"from {module} import {name}", {})  # the from-import form too


@pytest.mark.parametrize("module", sorted(NEW_HOMES))
def test_old_path_is_the_new_object(module):
    mod = importlib.import_module(module)
    for name, home in NEW_HOMES[module].items():
        assert getattr(mod, name) is getattr(importlib.import_module(home), name), name


def test_attribute_access_through_the_package():
    import npae

    assert npae.metrics.v_measure([0, 0, 1], [1, 1, 0]) == 1.0
    assert callable(npae.metrics.kmeans) and callable(npae.metrics.gaussian_mixture)
    assert npae.PCA is npae.classical.PCA
    assert npae.classical.PCA(2).get_params() == {"n_components": 2}
    X, y = npae.datasets.load_mnist(n=3)
    assert X.shape == (3, 784) and y.shape == (3,)
    assert [a.shape for a in npae.datasets.train_test_split(X, y, test_size=1)] == \
        [(2, 784), (1, 784), (2,), (1,)]
