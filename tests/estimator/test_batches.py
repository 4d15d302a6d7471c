"""Minibatches from memory, a np.memmap or a .npy path: the same bits for the same
seed, every row once per epoch, blocks that really shuffle, one reused buffer, and
clear errors for bad data."""

import numpy as np
import pytest

from npae.estimator.batches import as_data_source, epoch_order, iter_minibatches


def _data(n=1000, d=7, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(dtype)


def _epoch(source, seed, **kw):
    """(list of idx, list of copied Xb) of one epoch."""
    idxs, batches = [], []
    for idx, Xb in iter_minibatches(source, 64, np.random.default_rng(seed), **kw):
        idxs.append(idx.copy())
        batches.append(Xb.copy())
    return idxs, batches


@pytest.fixture
def npy(tmp_path):
    X = _data()
    path = tmp_path / "X.npy"
    np.save(path, X)
    return X, path


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memmap_path_and_memory_give_the_same_bits(npy, dtype):
    X, path = npy
    kw = dict(block_rows=150, dtype=dtype)  # 7 blocks, minibatches straddle blocks
    ref_idx, ref = _epoch(X.astype(dtype), 3, **kw)
    for source in (np.load(path, mmap_mode="r"), path, str(path), X):
        idxs, batches = _epoch(source, 3, **kw)
        assert len(batches) == len(ref) == 16
        for a, b, i, j in zip(batches, ref, idxs, ref_idx):
            assert a.dtype == dtype
            np.testing.assert_array_equal(i, j)
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, X[i].astype(dtype))  # the rows it names


def test_every_row_once_per_epoch_and_the_last_batch_short():
    X = _data(n=1000)
    idxs, batches = _epoch(X, 0, block_rows=130)
    assert [len(i) for i in idxs] == [64] * 15 + [40]
    np.testing.assert_array_equal(np.sort(np.concatenate(idxs)), np.arange(1000))


def test_block_shuffling_shuffles_blocks_and_rows_and_epochs_differ():
    rng = np.random.default_rng(0)
    o1, blocks1 = epoch_order(1000, rng, 100)
    o2, blocks2 = epoch_order(1000, rng, 100)
    assert not np.array_equal(o1, o2)  # another epoch, another order
    assert [b for b in blocks1] != sorted(blocks1)  # block order shuffled
    for order, blocks in ((o1, blocks1), (o2, blocks2)):
        pos = 0
        for start, stop in blocks:  # each block's rows are contiguous in the order ...
            part = order[pos:pos + stop - start]
            np.testing.assert_array_equal(np.sort(part), np.arange(start, stop))
            assert not np.array_equal(part, np.arange(start, stop))  # ... and shuffled
            pos += stop - start
    # one block: a plain full permutation, as a fit without blocks would draw
    np.testing.assert_array_equal(epoch_order(50, np.random.default_rng(4), 50)[0],
                                  np.random.default_rng(4).permutation(50))


def test_minibatches_reuse_one_buffer_and_integers_are_cast(npy):
    X, path = npy
    out = np.empty((64, 7), np.float64)
    for source in (X, path, (X * 10).astype(np.int16)):
        for _, Xb in iter_minibatches(source, 64, 0, block_rows=200, dtype=np.float64,
                                      out=out):
            assert np.shares_memory(Xb, out) and Xb.dtype == np.float64
    with pytest.raises(ValueError, match=r"out must have shape \(64, 7\) and dtype float32"):
        iter_minibatches(X, 64, 0, out=out)


def test_memmap_blocks_are_checked_for_nan_as_they_are_read(tmp_path):
    X = _data(n=400)
    X[333, 2] = np.nan
    path = tmp_path / "bad.npy"
    np.save(path, X)
    batches = iter_minibatches(path, 64, 0, block_rows=100)  # validated lazily per block
    with pytest.raises(ValueError, match="NaN or infinity .first in row 333"):
        list(batches)
    with pytest.raises(ValueError, match="NaN or infinity .first in row 333"):
        as_data_source(X)  # in memory: checked up front


def test_bad_inputs_have_clear_errors(tmp_path):
    with pytest.raises(TypeError, match="must be a NumPy array, a np.memmap or the path"):
        as_data_source([[1.0, 2.0]])
    with pytest.raises(TypeError, match="must hold real numbers"):
        as_data_source(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="must hold real numbers"):
        as_data_source(np.ones((3, 2), dtype=bool))
    with pytest.raises(ValueError, match=r"2-D array .* got shape \(5,\)"):
        as_data_source(np.ones(5))
    with pytest.raises(ValueError, match=r"got shape \(0, 3\)"):
        as_data_source(np.ones((0, 3)))
    with pytest.raises(FileNotFoundError, match="no such file"):
        as_data_source(tmp_path / "missing.npy")
    (tmp_path / "junk.npy").write_bytes(b"not an npy file")
    with pytest.raises(ValueError, match=r"not a (readable )?.npy file"):
        as_data_source(tmp_path / "junk.npy")
    np.savez(tmp_path / "two.npz", a=np.ones((2, 2)))
    with pytest.raises(ValueError, match="is an .npz archive"):
        as_data_source(tmp_path / "two.npz")
    X = _data(n=100)
    with pytest.raises(ValueError, match="block_rows must be >= 64"):
        iter_minibatches(X, 64, 0, block_rows=10)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        iter_minibatches(X, 6.5, 0)
    with pytest.raises(TypeError, match="np.random.Generator"):
        iter_minibatches(X, 64, np.random.RandomState(0))


def test_fit_from_memory_from_a_path_and_from_a_memmap_gives_the_same_bits(npy):
    """fit reads its minibatches through iter_minibatches, each step inside the
    trainer's Workspace: the same seed gives the same parameters whether the data
    are in memory, a .npy path, or a memmap (the block order depends only on n)."""
    import npae

    X, path = npy
    settings = dict(hidden=(), latent_dim=5, epochs=2, batch_size=64, dtype="float32", random_state=3)
    reference = npae.Autoencoder(**settings).fit(X)
    for source in (path, np.load(path, mmap_mode="r")):
        model = npae.Autoencoder(**settings).fit(source)
        for k, v in reference.params_.items():
            np.testing.assert_array_equal(model.params_[k], v, err_msg=k)
