"""The package's layout by role, its one-way imports, one name per idea, and the version.

What a reader is promised (README, "What is inside"; CHANGELOG 0.3): the families
apart from the machinery, lower layers that never import higher ones, small files,
one training step that fits on a few files, renamed settings that still work for
one release, and one version everywhere.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import npae
from npae.estimator.hyperparams import Interval, Param
from npae.estimator.settings import TRAINING_SETTINGS

ROOT = pathlib.Path(npae.__file__).parent
REPO = ROOT.parent

# Lower rank = lower layer; a module may import only modules of its rank or below.
RANKS = {"_version": 0, "_validation": 0, "nn": 1, "terms": 2, "estimator": 3, "classical": 4,
         "families": 5}
APPLICATION = 6  # detection, metrics, datasets, plot, export, exercises, gradcheck, cli, root


def _rank(module):
    parts = module.split(".")
    if len(parts) == 1:  # the package root
        return APPLICATION
    return RANKS.get(parts[1], APPLICATION)


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        yield path, ".".join(parts), is_pkg


def _imports(path, module, is_pkg):
    """Every npae module ``path`` imports (relative imports resolved), lazily or not."""
    here = module.split(".") if is_pkg else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "npae":
                continue
            if node.module is None or target in ("npae",):  # "from . import x": the modules x
                for alias in node.names:
                    yield f"{target}.{alias.name}"
            else:
                yield target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "npae":
                    yield alias.name


def test_lower_layers_never_import_higher_ones():
    wrong = []
    for path, module, is_pkg in _modules():
        for target in _imports(path, module, is_pkg):
            if _rank(target) > _rank(module):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_only_applications_import_the_package_root():
    wrong = []
    for path, module, is_pkg in _modules():
        if _rank(module) == APPLICATION:
            continue
        for target in _imports(path, module, is_pkg):
            if target == "npae" or (target.count(".") == 1 and target.split(".")[1] == "__version__"):
                wrong.append(f"{module} imports the package root")
    assert not wrong, "\n".join(wrong)


def test_no_module_over_400_lines_and_no_family_file_over_300():
    long = []
    for path, module, _ in _modules():
        n = len(path.read_text(encoding="utf-8").splitlines())
        limit = 300 if module.startswith("npae.families.") and not path.name.startswith("_") \
            and path.name != "__init__.py" else 400
        if n > limit:
            long.append(f"{module}: {n} lines (limit {limit})")
    assert not long, "\n".join(long)


def test_the_families_package_holds_families_and_nothing_else():
    """One paper per public module, each defining its registered family (or a paper's two
    variants: ``wta``); ``stacked`` is the greedy-pretraining
    function of Hinton & Salakhutdinov, ``rbm`` the restricted Boltzmann machine it stacks:
    a model of the sources, not an autoencoder, so not in the autoencoder registry); a
    private ``_x`` module is a family's own part."""
    registered = set(npae.registry.families().values())
    for path in sorted((ROOT / "families").glob("*.py")):
        if path.name == "__init__.py":
            continue
        mod = importlib.import_module(f"npae.families.{path.stem}")
        own = [c for c in vars(mod).values()
               if inspect.isclass(c) and c.__module__ == mod.__name__ and c in registered]
        if path.stem == "stacked":
            assert callable(mod.pretrain_stack) and not own
        elif path.stem == "rbm":
            assert mod.RBM is npae.RBM and not own
        elif path.stem.startswith("_"):
            assert not own, f"{path.name} is private but defines a family"
        else:
            # one paper per file; a paper's variants share it (FC- and Conv-WTA)
            assert 1 <= len(own) <= 2, f"{path.name} defines {len(own)} registered families"


def test_the_registry_lists_the_families_in_the_review_order():
    assert list(npae.registry.families()) == [
        "autoencoder", "sparse", "ksparse", "denoising", "contractive", "conv", "wta", "conv_wta",
        "vae", "clvae", "aae", "concrete", "wae", "dec", "vade", "semantic_hashing", "ocnn", "dagmm"]


# ------------------------------------------------------------------ one step
def _files_per_step():
    spec = importlib.util.spec_from_file_location("files_per_step",
                                                  REPO / "benchmarks" / "files_per_step.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_one_step_of_the_basic_autoencoder_runs_few_files():
    """``python benchmarks/files_per_step.py`` prints the table; these are its bounds."""
    fps = _files_per_step()
    calls = fps.cases()
    lag = fps.files_run(calls["Autoencoder", "loss_and_grads"])
    step = fps.files_run(calls["Autoencoder", "step"])
    fit = fps.files_run(calls["Autoencoder", "fit (1 epoch)"])
    # family, base (with the input check in _validation), network, activations, losses, batch
    assert len(lag) <= 7, lag
    assert len(step) <= 8 and set(lag) <= set(step), step  # + the optimizer
    assert all(f.startswith("estimator/") for f in set(fit) - set(step)), sorted(set(fit) - set(step))


def test_the_plain_vae_reads_in_three_files_with_its_likelihood_composed_in():
    """Kingma & Welling's ELBO: the family file, the VAE's parts and the Gaussian terms
    (beyond the core and the machinery); the decoder likelihood is an object it holds."""
    from npae.families import _vae_networks as parts

    fps = _files_per_step()
    files = fps.files_run(fps.cases()["VariationalAutoencoder", "loss_and_grads"])
    own = [f for f in files if not f.startswith(("nn/", "estimator/", "_validation"))]
    assert len(own) <= 3, own
    X = np.random.default_rng(0).random((8, 4))
    for setting, kind in [({}, parts.Bernoulli), ({"likelihood": "gaussian"}, parts.Gaussian),
                          ({"likelihood": "student_t"}, parts.StudentT)]:
        vae = npae.VariationalAutoencoder(hidden=(3,), latent_dim=2, **setting).initialize(X)
        assert type(vae.decoder_likelihood_) is kind


def test_step_is_loss_and_grads_then_one_optimizer_update_and_what_fit_runs(monkeypatch):
    X = np.random.default_rng(0).random((24, 5))
    ae = npae.Autoencoder(hidden=(4,), latent_dim=2, optimizer="sgd", learning_rate=0.1)
    ae.initialize(X)
    loss, grads = ae.loss_and_grads(X)
    expected = {k: v - 0.1 * grads[k] for k, v in ae.params_.items()}
    terms = ae.step(X)
    assert terms["reconstruction"] == pytest.approx(loss, rel=1e-14)
    for k in expected:
        np.testing.assert_allclose(ae.params_[k], expected[k], rtol=0, atol=1e-15)
    # a second step continues from the first (the optimizer persists between calls)
    assert ae.step(X)["reconstruction"] < loss
    # fit takes this very step on every minibatch
    calls = []
    original = npae.BaseAutoencoder._step

    def counting(self, *args):
        calls.append(args[1].shape[0])
        return original(self, *args)

    monkeypatch.setattr(npae.BaseAutoencoder, "_step", counting)
    npae.Autoencoder(latent_dim=2, batch_size=10, epochs=2).fit(X)
    assert calls == [10, 10, 4, 10, 10, 4]


def test_step_refuses_bad_input_and_an_unfitted_model():
    X = np.random.default_rng(0).random((6, 3))
    with pytest.raises(npae.NotFittedError):
        npae.Autoencoder(latent_dim=2).step(X)
    ae = npae.Autoencoder(latent_dim=2).initialize(X)
    with pytest.raises(ValueError, match="3 features"):
        ae.step(X[:, :2])


# ------------------------------------------------------------ one name per idea
def test_a_family_that_redeclares_a_shared_setting_is_refused():
    with pytest.raises(TypeError, match="redeclares the shared setting 'tol'"):
        class Tolerant(npae.Autoencoder):  # noqa: F841
            _parameters = {"tol": Param(0.5, Interval("real", 0, 1))}

    class Longer(npae.Autoencoder):  # moving only the default stays allowed
        _parameters = {"epochs": Param(50)}

    assert Longer().epochs == 50
    with pytest.raises(npae.InvalidParameterError):
        Longer(epochs=-1)._validate_params()  # the shared constraint still holds


def test_dec_assignment_tolerance_and_early_stopping_tolerance_are_independent():
    X = np.random.default_rng(0).random((40, 6))
    kw = dict(hidden=(), latent_dim=2, n_clusters=2, pretrain="plain", pretrain_epochs=1,
              epochs=6, batch_size=40, random_state=0)
    m = npae.DeepEmbeddedClustering(**kw, assignment_tol=0.3, tol=1e-7)
    assert (m.assignment_tol, m.tol) == (0.3, 1e-7)
    # assignment_tol = 1 stops at the first check (fewer than 100% of points always change)
    quick = npae.DeepEmbeddedClustering(**kw, assignment_tol=1.0).fit(X)
    # tol alone changes nothing of DEC's stopping rule (early stopping is off)
    never = npae.DeepEmbeddedClustering(**kw, assignment_tol=0.0, tol=1.0).fit(X)
    assert quick.n_iter_ < never.n_iter_ == 6


OLD_NAMES = [
    ("KSparseAutoencoder", "alpha", "transform_k_factor", 2.0),
    ("OneClassNeuralNetwork", "alpha", "reconstruction_weight", 0.5),
    ("DeepEmbeddedClustering", "alpha", "student_df", 2.0),
    ("DeepEmbeddedClustering", "noise_level", "corruption_level", 0.1),
    ("DenoisingAutoencoder", "noise_level", "corruption_level", 0.1),
    ("SemanticHashingAutoencoder", "noise_level", "code_noise_std", 1.5),
    ("DeepAutoencodingGMM", "n_gmm", "n_components", 3),
    ("VariationalDeepEmbedding", "n_clusters", "n_components", 3),
    ("AdversarialAutoencoder", "prior_components", "n_components", 4),
    ("ConcreteAutoencoder", "hidden", "decoder_hidden", (7,)),
]


@pytest.mark.parametrize("cls,old,new,value", OLD_NAMES)
def test_every_old_name_still_works_with_a_future_warning_naming_the_new_one(cls, old, new, value):
    klass = getattr(npae, cls)
    with pytest.warns(FutureWarning, match=f"'{old}' is now called '{new}'"):
        m = klass(**{old: value})
    assert getattr(m, new) == value and old not in m.get_params()
    with pytest.warns(FutureWarning, match=f"'{new}'"):
        m2 = klass().set_params(**{old: value})
    assert m2.get_params() == m.get_params()
    with pytest.raises(TypeError, match=f"old name of '{new}'"):
        klass(**{old: value, new: value})


def test_dec_tol_warns_that_it_is_early_stoppings_alone():
    with pytest.warns(FutureWarning, match="assignment_tol"):
        m = npae.DeepEmbeddedClustering(tol=0.01)
    assert m.tol == 0.01 and m.assignment_tol == 0.001


@pytest.mark.parametrize("cls", ["Autoencoder", "SparseAutoencoder", "DenoisingAutoencoder",
                                 "ContractiveAutoencoder", "KSparseAutoencoder",
                                 "DeepEmbeddedClustering", "SemanticHashingAutoencoder",
                                 "OneClassNeuralNetwork", "DeepAutoencodingGMM",
                                 "WassersteinAutoencoder"])
def test_hidden_without_latent_dim_keeps_its_old_meaning_for_one_release(cls):
    klass = getattr(npae, cls)
    with pytest.warns(FutureWarning, match=r"read as hidden=\(6,\), latent_dim=3"):
        m = klass(hidden=(6, 3))
    assert m.hidden == (6,) and m.latent_dim == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        klass(hidden=(6,), latent_dim=3)  # the new spelling is silent
        klass()


def test_the_code_size_is_latent_dim_in_every_family_that_has_one():
    X = np.random.default_rng(0).random((20, 6))
    for key, cls in npae.registry.families().items():
        if key in ("concrete", "conv", "conv_wta"):
            # codes set otherwise: the concrete AE's n_selected inputs, the convolutional
            # families' last feature maps (filters, pool)
            assert "latent_dim" not in cls._hyperparameters
            continue
        assert "latent_dim" in cls._hyperparameters and "hidden" in cls._hyperparameters, key
        settings = dict(cls._examples[0])
        settings["latent_dim"] = 2
        y = np.arange(20) % 2 if cls._uses_labels else None
        assert cls(**settings).initialize(X, y).code_size_ == 2, key


def test_pretrain_stack_old_call_warns_and_new_call_is_silent():
    X = np.random.default_rng(0).random((30, 5))
    with pytest.warns(FutureWarning, match="without latent_dim"):
        old = npae.pretrain_stack(X, (4, 2), pretrain_epochs=1, finetune_epochs=0)
    new = npae.pretrain_stack(X, (4,), 2, pretrain_epochs=1, finetune_epochs=0)
    np.testing.assert_array_equal(old.transform(X), new.transform(X))


def test_files_saved_with_old_names_load_silently_with_the_new_ones(tmp_path):
    import json

    X = np.random.default_rng(0).random((20, 5))
    m = npae.DeepAutoencodingGMM(hidden=(4,), latent_dim=2, n_components=2, epochs=1).fit(X)
    m.save(tmp_path / "new.npz")
    # rewrite the metadata as npae 0.2 wrote it: hidden ending with the code, n_gmm
    with np.load(tmp_path / "new.npz", allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["__meta__"]))
    hp = meta["hyperparameters"]
    hp["n_gmm"] = hp.pop("n_components")
    hp["hidden"] = {"__tuple__": [4, 2]}
    del hp["latent_dim"]
    arrays["__meta__"] = np.array(json.dumps(meta))
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = npae.load(old)
    assert (loaded.hidden, loaded.latent_dim, loaded.n_components) == ((4,), 2, 2)
    np.testing.assert_array_equal(loaded.transform(X), m.transform(X))


def test_each_family_docstring_lists_the_training_settings_with_its_own_defaults():
    for key, cls in npae.registry.families().items():
        doc = cls.__doc__
        assert doc.count("Other Parameters\n") == 1, key
        section = doc.split("Other Parameters\n", 1)[1]
        for name in TRAINING_SETTINGS:
            default = cls._hyperparameters[name].default
            shown = f'"{default}"' if isinstance(default, str) else repr(default)
            assert f"{name} : " in section and f"default={shown}" in section, (key, name)
        assert "weight_decay, init, optimizer" not in doc, key  # no hand-written list left


# ------------------------------------------------------------------ version
def test_the_version_is_written_once_and_agrees_everywhere(tmp_path):
    from importlib.metadata import PackageNotFoundError, version

    assert npae.__version__ == npae._version.__version__
    assert "version" not in (REPO / "pyproject.toml").read_text().split("[project]")[1] \
        .split("[")[0].replace('dynamic = ["version"]', "")
    try:
        installed = version("npae")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        installed = None
    if installed is not None and (REPO / "pyproject.toml").exists():
        assert installed == npae.__version__
    out = subprocess.run([sys.executable, "-m", "npae", "--version"], capture_output=True,
                         text=True, check=True, cwd=REPO).stdout
    assert npae.__version__ in out
    assert "npae.__version__" in (REPO / "docs" / "conf.py").read_text()
    X = np.random.default_rng(0).random((10, 4))
    npae.Autoencoder(latent_dim=2, epochs=1).fit(X).save(tmp_path / "m.npz")
    import json

    meta = json.loads(str(np.load(tmp_path / "m.npz", allow_pickle=False)["__meta__"]))
    assert meta["npae_version"] == npae.__version__
