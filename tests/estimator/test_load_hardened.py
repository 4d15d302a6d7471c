"""npae.load trusts nothing in the file: one test per kind of damaged or forged
file, each showing the memory (tracemalloc peak) and time the refusal took.

The bound asserted is on memory only (never on time: the suite has no timed
assertions); the seconds are printed for the record (``pytest -n 0 -s``).
"""

import io
import json
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import npae
from npae import Autoencoder
from npae.estimator.registry import families

#: every refusal below must stay under this peak (the files are a few KB)
PEAK_LIMIT = 4 * 2**20


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X = np.random.default_rng(3).random((30, 7))
    path = tmp_path_factory.mktemp("good") / "good.npz"
    Autoencoder(hidden=(), latent_dim=3, epochs=2, random_state=1).fit(X).save(path)
    return path


def members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename[:-4]: z.read(i) for i in z.infolist()}


def npy(arr=None, *, descr=None, shape=None, data=b""):
    """An .npy member: a real array, or a forged header followed by ``data``."""
    buf = io.BytesIO()
    if arr is not None:
        np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
        return buf.getvalue()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + data


def write(path, mem, compress=()):
    with zipfile.ZipFile(path, "w") as z:
        for name, raw in mem.items():
            z.writestr(name + ".npy", raw,
                       zipfile.ZIP_DEFLATED if name in compress else zipfile.ZIP_STORED)
    return path


def meta_of(path):
    with zipfile.ZipFile(path) as z:
        raw = z.read("__meta__.npy")
    return json.loads(str(np.load(io.BytesIO(raw), allow_pickle=False)[()]))


def with_meta(path, meta):
    mem = members(path)
    mem["__meta__"] = npy(np.array(json.dumps(meta)))
    return mem


def refused(path, match):
    """Load ``path`` expecting a ValueError; return (peak bytes, seconds)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=match):
            npae.load(path)
    finally:
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"\n{path.name}: refused, peak {peak / 1024:.0f} KiB, {seconds * 1e3:.1f} ms")
    assert peak < PEAK_LIMIT
    return peak, seconds


# ----------------------------------------------------------- the file itself
def test_truncated_at_every_kind_of_place(saved, tmp_path):
    raw = saved.read_bytes()
    for cut in (0, 10, 100, len(raw) // 3, len(raw) // 2, len(raw) - 22, len(raw) - 1):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        refused(bad, "not a readable npae model file")


def test_flipped_bytes_are_refused_or_harmless(saved, tmp_path):
    raw = bytearray(saved.read_bytes())
    good = npae.load(saved)
    rng = np.random.default_rng(0)
    outcomes = {"refused": 0, "harmless": 0}
    for i, pos in enumerate(rng.choice(len(raw), size=150, replace=False)):
        bad = bytearray(raw)
        bad[pos] ^= 0xFF
        path = tmp_path / f"flip{i}.npz"
        path.write_bytes(bytes(bad))
        try:
            back = npae.load(path)
        except ValueError:
            outcomes["refused"] += 1
            continue
        # Loaded: the flip hit bytes that carry nothing (a timestamp, a
        # version field): the model must be exactly the saved one.
        assert back.get_params() == good.get_params()
        for k in good.params_:
            np.testing.assert_array_equal(back.params_[k], good.params_[k])
        outcomes["harmless"] += 1
    print(f"\n150 single-byte flips: {outcomes}")
    assert outcomes["refused"] > 100


# ----------------------------------------------------------- forged headers
def test_huge_declared_shape(saved, tmp_path):
    mem = members(saved)
    mem["param:encoder.0.W"] = npy(descr="<f8", shape=(10**6, 10**6), data=b"\0" * 168)
    refused(write(tmp_path / "huge_shape.npz", mem), r"declares shape \(1000000, 1000000\)")


def test_huge_declared_string_dtype(saved, tmp_path):
    mem = members(saved)
    mem["__meta__"] = npy(descr="<U500000000", shape=(), data=b"{}")  # 2 GB if believed
    refused(write(tmp_path / "huge_string.npz", mem), r"declares shape \(\) of <U500000000")


def _bomb_archive(saved, n_bytes=100 * 2**20):
    """The saved model with encoder.0.W replaced by a deflated member, first in the
    archive: a (7, 3) float64 header followed by ``n_bytes`` of zeros (~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("param:encoder.0.W.npy", "w", force_zip64=True) as fh:
            fh.write(npy(descr="<f8", shape=(7, 3)))
            chunk = b"\0" * 2**20
            for _ in range(n_bytes // len(chunk)):
                fh.write(chunk)
        for name, raw in members(saved).items():
            if name != "param:encoder.0.W":
                z.writestr(name + ".npy", raw, zipfile.ZIP_STORED)
    return bytearray(buf.getvalue())


def test_zip_bomb_member_declaring_its_real_size(saved, tmp_path):
    path = tmp_path / "bomb.npz"
    path.write_bytes(_bomb_archive(saved))
    print(f"\nbomb file: {path.stat().st_size} bytes, 100 MiB inflated")
    refused(path, r"member 'param:encoder.0.W.npy' declares shape \(7, 3\) of float64 "
                  r"\(168 bytes\) but the archive says 104857600 bytes")


def test_zip_bomb_member_lying_about_its_size(saved, tmp_path):
    # The directory claims the honest 296 bytes; the deflate stream holds 100 MiB.
    bomb = _bomb_archive(saved)
    at = bomb.index(b"PK\x01\x02")  # the first member's central-directory entry
    if struct.unpack_from("<I", bomb, at + 24)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", bomb, at + 24, 128 + 168)
    else:  # sizes in the zip64 extra field
        name_len, extra_len = struct.unpack_from("<HH", bomb, at + 28)
        extra = at + 46 + name_len
        assert struct.unpack_from("<H", bomb, extra)[0] == 1
        struct.pack_into("<Q", bomb, extra + 4, 128 + 168)
    path = tmp_path / "lying_bomb.npz"
    path.write_bytes(bytes(bomb))
    refused(path, "not a readable npae model file .*Bad CRC-32")


def test_object_and_record_dtypes_are_refused_before_reading(saved, tmp_path):
    mem = members(saved)
    mem["param:encoder.0.W"] = npy(descr="|O", shape=(7, 3), data=b"\0" * 168)
    refused(write(tmp_path / "object.npz", mem), "never unpickles")
    mem["param:encoder.0.W"] = npy(descr=[("a", "<f8")], shape=(7, 3), data=b"\0" * 168)
    refused(write(tmp_path / "record.npz", mem), "objects or records")


# ----------------------------------------------------- consistent but forged
def test_foreign_member_names(saved, tmp_path):
    mem = members(saved)
    mem["fit"] = npy(np.zeros(3))
    refused(write(tmp_path / "foreign.npz", mem), r"unexpected arrays \['fit'\]")
    mem = members(saved)
    mem["state:transform"] = npy(np.zeros(3))  # would replace a method if set as an attribute
    refused(write(tmp_path / "state.npz", mem), r"unexpected fitted state \['transform'\]")
    with zipfile.ZipFile(tmp_path / "notnpy.npz", "w") as z:
        z.writestr("readme.txt", "hello")
    refused(tmp_path / "notnpy.npz", "is not an .npy array")


def test_foreign_metadata_keys_and_types(saved, tmp_path):
    meta = meta_of(saved)
    cases = {
        "extra_key": ({**meta, "__class__": "os.system"}, r"unexpected keys \['__class__'\]"),
        "method_as_hyperparameter": (
            {**meta, "hyperparameters": {**meta["hyperparameters"], "transform": 1}},
            r"unknown hyperparameters \['transform'\]"),
        "string_width": ({**meta, "n_features_in": "7"}, "'n_features_in' must be a JSON int"),
        "bool_version": ({**meta, "format_version": True}, "format_version must be a positive int"),
        "history_text": ({**meta, "history": {"loss": "lots"}}, "history entry 'loss'"),
        "unknown_family": ({**meta, "family": "mystery"}, "unknown model family 'mystery'"),
        "array_dtype": ({**meta, "hyperparameters": {**meta["hyperparameters"], "hidden": {
            "__ndarray__": [3], "dtype": "object"}}}, "an array hyperparameter must be"),
    }
    for name, (m, match) in cases.items():
        refused(write(tmp_path / f"{name}.npz", with_meta(saved, m)), match)


def test_metadata_sizes_beyond_what_the_file_stores(saved, tmp_path):
    meta = meta_of(saved)
    forged = {**meta, "hyperparameters": {**meta["hyperparameters"],
                                          "hidden": {"__tuple__": [10**12]}}}
    refused(write(tmp_path / "big_hidden.npz", with_meta(saved, forged)),
            r"hidden\[0\] = 1000000000000 cannot be right")
    refused(write(tmp_path / "big_width.npz", with_meta(saved, {**meta, "n_features_in": 10**12})),
            "n_features_in = 1000000000000 cannot be right")


def test_non_finite_and_foreign_dtype_weights(saved, tmp_path):
    W = npae.load(saved).params_["encoder.0.W"]
    for name, bad, match in [
        ("nan", np.where(np.eye(7, 3) > 0, np.nan, W), "must hold finite floats"),
        ("float32", W.astype(np.float32), "holds float32 values; this model's dtype is float64"),
        ("bigendian", W.astype(">f8"), r"holds >f8 values"),
        ("ints", np.zeros((7, 3), np.int64), "holds int64 values"),
        ("shape", np.zeros((3, 7)), r"has shape \(3, 7\), expected \(7, 3\)"),
    ]:
        mem = members(saved)
        mem["param:encoder.0.W"] = npy(bad)
        refused(write(tmp_path / f"{name}.npz", mem), match)


def test_deflated_archives_written_by_numpy_still_load(saved, tmp_path):
    mem = members(saved)
    path = write(tmp_path / "deflated.npz", mem, compress=set(mem))
    back = npae.load(path)
    np.testing.assert_array_equal(back.params_["encoder.0.W"],
                                  npae.load(saved).params_["encoder.0.W"])


@pytest.mark.parametrize("key", sorted(families()))
def test_every_family_round_trips_through_the_hardened_reader(key, tmp_path):
    cls = families()[key]
    X = np.random.default_rng(0).random((12, 7))
    y = np.arange(12) % 3
    model = cls(**{**cls._examples[-1], "epochs": 1}).fit(X, y if cls._uses_labels else None)
    model.save(tmp_path / "m.npz")
    back = npae.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.transform(X), model.transform(X))
