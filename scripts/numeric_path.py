"""Is the second numeric path of `make nbval-portable` really another path on this machine?

  python scripts/numeric_path.py           # print this process's fingerprint (matmul, 20 AdamW steps)
  python scripts/numeric_path.py --check   # run it in both settings; exit 1 if they agree exactly

The portable run uses torch's non-vectorised CPU kernels (ATEN_CPU_CAPABILITY=default) and one
thread. If that changed nothing here, the portable nbval run would prove nothing, so --check fails.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

PORTABLE = {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def fingerprint() -> dict:
    import torch

    torch.manual_seed(0)
    a, b = torch.randn(257, 129), torch.randn(129, 65)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.GELU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    x, y = torch.randn(32, 64), torch.randint(0, 10, (32,))
    for _ in range(20):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads(),
            "matmul_sum": (a @ b).double().sum().item(),
            "adamw_weight_sum": sum(p.double().sum().item() for p in model.parameters())}


def run(extra_env: dict) -> dict:
    env = {**os.environ, **extra_env}
    if not extra_env:  # the ordinary path: torch's own choice of kernels and threads
        for name in PORTABLE:
            env.pop(name, None)
    out = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str]) -> int:
    if "--check" not in argv:
        print(json.dumps(fingerprint()))
        return 0
    ordinary, portable = run({}), run(PORTABLE)
    for name, result in (("ordinary", ordinary), ("portable", portable)):
        print(f"{name:9s} kernels {result['capability']:8s} threads {result['threads']}  "
              f"matmul sum {result['matmul_sum']!r}  AdamW weight sum {result['adamw_weight_sum']!r}")
    if ordinary["matmul_sum"] == portable["matmul_sum"] and ordinary["adamw_weight_sum"] == portable["adamw_weight_sum"]:
        print("the portable settings change nothing on this machine: the second nbval run would prove nothing")
        return 1
    print("the portable settings change the arithmetic: nbval-portable is a second numeric path")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
