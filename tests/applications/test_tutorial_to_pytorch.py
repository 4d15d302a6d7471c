"""The PyTorch tutorial (quick mode): parity at the hand-over, training continues in torch,
and in two DistributedDataParallel processes launched with torchrun."""

import os
import runpy

import pytest

pytest.importorskip("torch")
HERE = os.path.dirname(os.path.dirname(__file__))  # tests/


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    out = tmp_path_factory.mktemp("to_pytorch")
    mod = runpy.run_path(os.path.join(HERE, "..", "tutorials", "to_pytorch.py"))
    return mod["main"](["--quick", "--ddp", "--quiet", "--out", str(out)]), out


def test_exported_model_agrees_with_npae(res):
    r, _ = res
    assert set(r["parity"]) == {"loss", "codes", "reconstructions", "gradients"}
    assert max(r["parity"].values()) < 1e-12
    assert r["same_start"]  # the reference run shares the first epochs


def test_training_continues_in_torch(res):
    r, out = res
    handover = r["npae"]["val_loss"][-1]
    torch_val = r["torch"]["val_loss"]
    assert torch_val[0] < handover and torch_val[-1] < torch_val[0]
    # as good as continuing in npae (Adam restarts, data order differs): within 5 %
    assert abs(torch_val[-1] - r["reference"]["val_loss"][-1]) < 0.05 * handover
    for name in ("loss_across_handover.png", "reconstructions.png"):
        assert (out / name).stat().st_size > 1000


def test_ddp_run_keeps_replicas_equal(res):
    r, _ = res
    ddp, handover = r["ddp"], r["npae"]["val_loss"][-1]
    assert ddp["world_size"] == 2 and ddp["replica_max_diff"] == 0.0
    # one DDP epoch (global batch 128) does what one single-process epoch does, up to sampling
    assert ddp["val_loss"][0] < handover
    assert abs(ddp["val_loss"][0] - r["torch"]["val_loss"][0]) < 0.02 * handover
