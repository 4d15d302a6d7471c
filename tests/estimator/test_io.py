"""save -> npae.load: identical parameters, outputs and history; damaged,
foreign and newer files give clear ValueErrors; nothing is ever unpickled."""

import json

import numpy as np
import pytest

import npae
from npae import Autoencoder
from npae.estimator.persistence import FORMAT_VERSION

CONFIGS = {
    "untied": dict(hidden=(5,), latent_dim=3, activation="tanh", code_activation="identity"),
    "tied": dict(hidden=(5,), latent_dim=3, tied=True, weight_decay=1e-3),
    "bce": dict(hidden=(), latent_dim=4, loss="bce", decoder_hidden=(6, 2)),
    "float32": dict(hidden=(), latent_dim=3, dtype="float32", optimizer="momentum", learning_rate=0.05),
}


@pytest.fixture
def X():
    return np.random.default_rng(3).random((30, 7))


def _fit(X, **kw):
    return Autoencoder(epochs=3, batch_size=8, random_state=1, **kw).fit(X)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_round_trip_is_exact(X, tmp_path, name):
    ae = _fit(X, **CONFIGS[name])
    path = tmp_path / f"{name}.npz"
    assert ae.save(path) == path
    back = npae.load(path)
    assert type(back) is Autoencoder
    assert back.get_params() == ae.get_params()
    assert list(back.params_) == list(ae.params_)
    for k in ae.params_:
        assert back.params_[k].dtype == ae.params_[k].dtype
        np.testing.assert_array_equal(back.params_[k], ae.params_[k])
    assert back.history_ == ae.history_
    assert back.n_features_in_ == 7 and back.code_size_ == ae.code_size_
    for method in ("transform", "reconstruct", "reconstruction_error", "score_samples"):
        np.testing.assert_array_equal(getattr(back, method)(X), getattr(ae, method)(X))
    np.testing.assert_array_equal(back.inverse_transform(ae.transform(X)), ae.reconstruct(X))
    assert back.loss_and_grads(X)[0] == ae.loss_and_grads(X)[0]


def test_loaded_model_params_are_views_of_one_buffer_and_can_train_on(X, tmp_path):
    ae = _fit(X, hidden=(), latent_dim=3)
    ae.save(tmp_path / "m.npz")
    back = npae.load(tmp_path / "m.npz")
    for v in back.params_.values():
        assert np.shares_memory(v, back._flat.flat)
    back.set_params(epochs=2).fit(X)  # refitting a loaded model works like any other
    assert len(back.history_["loss"]) == 2


def test_tied_file_holds_no_decoder_weights(X, tmp_path):
    _fit(X, hidden=(4,), latent_dim=2, tied=True).save(tmp_path / "t.npz")
    with np.load(tmp_path / "t.npz", allow_pickle=False) as data:
        names = set(data.files)
    assert "param:encoder.0.W" in names and "param:decoder.1.b" in names
    assert not any(n.startswith("param:decoder") and n.endswith(".W") for n in names)


def test_metadata_is_plain_json(X, tmp_path):
    _fit(X, hidden=(), latent_dim=2, loss="bce").save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        meta = json.loads(str(data["__meta__"]))
    assert meta["format"] == "npae-model" and meta["format_version"] == FORMAT_VERSION
    assert meta["class"] == "Autoencoder" and meta["npae_version"] == npae.__version__
    assert meta["hyperparameters"]["loss"] == "bce"
    assert meta["hyperparameters"]["latent_dim"] == 2
    assert len(meta["history"]["loss"]) == 3


def test_validation_data_is_not_stored_in_the_model_file(X, tmp_path):
    # The held-out set is a training input, not part of the model: a file must
    # not grow with it (as JSON text stored as 4-byte unicode, each float costs
    # ~80 bytes: 1.1 MB here, 500 MB for a 8000 x 784 held-out set of digits).
    small = tmp_path / "small.npz"
    big = tmp_path / "big.npz"
    Xv = np.random.default_rng(0).random((2000, 7))
    _fit(X, hidden=(), latent_dim=3).save(small)
    ae = _fit(X, hidden=(), latent_dim=3, validation_data=Xv)
    ae.save(big)
    assert big.stat().st_size < 2 * small.stat().st_size
    back = npae.load(big)
    assert back.validation_data is None
    assert back.history_["val_loss"] == ae.history_["val_loss"]


def test_unsaveable_hyperparameters_become_none(X, tmp_path):
    ae = _fit(X, hidden=(), latent_dim=3)
    ae.set_params(random_state=np.random.default_rng(5))
    ae.save(tmp_path / "m.npz")
    assert npae.load(tmp_path / "m.npz").random_state is None


# ------------------------------------------------------------ damaged files
@pytest.fixture
def saved(X, tmp_path):
    path = tmp_path / "good.npz"
    _fit(X, hidden=(), latent_dim=3).save(path)
    return path


def test_truncated_file(saved, tmp_path):
    raw = saved.read_bytes()
    for cut in (len(raw) // 2, len(raw) - 10, 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match=r"is not a readable npae model file .*it may be "
                                             r"truncated or not saved by npae's save\(\)"):
            npae.load(bad)


def test_non_zip_file(tmp_path):
    bad = tmp_path / "notes.npz"
    bad.write_text("these are my notes, not a model\n")
    with pytest.raises(ValueError, match="not a readable npae model file"):
        npae.load(bad)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a readable npae model file"):
        npae.load(empty)


def test_plain_npy_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(3.0))
    with pytest.raises(ValueError, match="not a readable npae model file"):
        npae.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, images=np.zeros((2, 4)), labels=np.arange(2))
    with pytest.raises(ValueError, match=r"is an .npz file but not an npae model \(no metadata\)"):
        npae.load(path)


def _rewrite(src, dst, meta_update=None, extra=None, drop=()):
    """Copy a saved model with edited metadata / extra arrays (object arrays allowed)."""
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k not in drop}
    meta = json.loads(str(arrays["__meta__"]))
    meta.update(meta_update or {})
    arrays["__meta__"] = np.array(json.dumps(meta))
    arrays.update(extra or {})
    np.savez(dst, **arrays)
    return dst


def test_newer_format_version(saved, tmp_path):
    bad = _rewrite(saved, tmp_path / "v99.npz", {"format_version": FORMAT_VERSION + 1})
    with pytest.raises(ValueError, match=rf"saved with format version {FORMAT_VERSION + 1}, newer "
                                         rf"than this npae supports \({FORMAT_VERSION}\); upgrade npae"):
        npae.load(bad)


def test_wrong_format_tag_and_unknown_class_and_damaged_metadata(saved, tmp_path):
    with pytest.raises(ValueError, match="is not an npae model file"):
        npae.load(_rewrite(saved, tmp_path / "a.npz", {"format": "someone-else"}))
    with pytest.raises(ValueError, match="holds an unknown model class 'MysteryAutoencoder'"):
        npae.load(_rewrite(saved, tmp_path / "b.npz", {"class": "MysteryAutoencoder"}))
    with np.load(saved, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["__meta__"] = np.array("{not json")
    np.savez(tmp_path / "c.npz", **arrays)
    with pytest.raises(ValueError, match="damaged metadata"):
        npae.load(tmp_path / "c.npz")


def test_missing_or_misshapen_parameters(saved, tmp_path):
    with pytest.raises(ValueError, match=r"parameter names do not match: missing \['decoder.0.b'\]"):
        npae.load(_rewrite(saved, tmp_path / "a.npz", drop=("param:decoder.0.b",)))
    with pytest.raises(ValueError, match=r"parameter 'encoder.0.W' has shape \(2, 2\), expected \(7, 3\)"):
        npae.load(_rewrite(saved, tmp_path / "b.npz", extra={"param:encoder.0.W": np.zeros((2, 2))}))


UNPICKLED = []


def _record_unpickling(tag):
    UNPICKLED.append(tag)
    return tag


class _Trap:
    """Unpickling this object calls _record_unpickling: proof that pickle ran."""

    def __reduce__(self):
        return (_record_unpickling, ("unpickled!",))


def test_object_arrays_are_refused_never_unpickled(saved, tmp_path):
    trap = np.empty(1, dtype=object)
    trap[0] = _Trap()
    for key in ("state:trap", "param:encoder.0.W"):
        bad = _rewrite(saved, tmp_path / f"{key.replace(':', '_')}.npz", extra={key: trap})
        with pytest.raises(ValueError, match=r"not a readable npae model file .*allow_pickle=False"):
            npae.load(bad)
    assert UNPICKLED == []
    # Sanity check of the trap itself: numpy *would* run it if pickles were allowed.
    with np.load(bad, allow_pickle=True) as data:
        data["param:encoder.0.W"]
    assert UNPICKLED == ["unpickled!"]
    UNPICKLED.clear()


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        npae.load(tmp_path / "nope.npz")


def test_npy_file_and_inconsistent_metadata_give_clear_errors(tmp_path):
    import json

    import npae

    npy = tmp_path / "x.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        npae.load(npy)
    X = np.random.default_rng(0).random((6, 4))
    good = tmp_path / "m.npz"
    npae.Autoencoder(hidden=(), latent_dim=2, epochs=1).fit(X).save(good)
    with np.load(good, allow_pickle=False) as d:
        arrays = {k: d[k] for k in d.files}
    meta = json.loads(str(arrays["__meta__"]))
    meta["hyperparameters"]["no_such_option"] = 1  # written by some other version
    del meta["n_features_in"]
    arrays["__meta__"] = np.array(json.dumps(meta))
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match=r"damaged metadata: missing keys \['n_features_in'\]"):
        npae.load(bad)
