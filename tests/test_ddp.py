"""`python -m workshop_utils pretrain` under torchrun: 2 CPU processes (gloo) = 1 process."""
import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from workshop_utils.paths import PROJECT_ROOT


def pretrain(out, processes: int) -> dict:
    command = ["-m", "workshop_utils", "pretrain", "--preset", "tiny", "--out", str(out), "--no-progress"]
    if processes > 1:
        command = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"] + command
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WORKSHOP_DEVICE": "cpu"}
    result = subprocess.run([sys.executable, *command], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without distributed")
def test_two_gloo_processes_match_one_process(tmp_path):
    one = pretrain(tmp_path / "one", processes=1)
    two = pretrain(tmp_path / "two", processes=2)
    assert two["processes"] == 2 and one["processes"] == 1
    checksums = two["replica_checksums"]
    assert len(checksums) == 2 and checksums[0] == checksums[1]  # identical replicas
    assert [r["step"] for r in two["history"]] == [1, 2, 3, 4]
    for a, b in zip(one["history"], two["history"]):  # same global batch, same losses
        assert b["train_loss"] == pytest.approx(a["train_loss"], abs=1e-5)
        assert b.get("val_loss", 0) == pytest.approx(a.get("val_loss", 0), abs=1e-5)
    weights_one, weights_two = load_file(tmp_path / "one" / "model.safetensors"), \
        load_file(tmp_path / "two" / "model.safetensors")
    for name, tensor in weights_one.items():
        torch.testing.assert_close(weights_two[name], tensor, atol=1e-5, rtol=1e-4)
    assert two["val_bits_per_char"] == pytest.approx(one["val_bits_per_char"], abs=1e-4)
