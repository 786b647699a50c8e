"""Training compute (notebook 08, `make perf`): FLOPs per token, this machine's matmul peak, and
compute-optimal budgets.

Kaplan et al. (2020), "Scaling Laws for Neural Language Models", sec. 2.1: training takes about
6 N + 6 n_layer n_ctx d_model FLOPs per token, where N counts the weights used in matrix
multiplies (every parameter except the position embeddings; a tied embedding / output matrix once,
as the head's multiply): 2 N for the forward pass (a multiply and an add per weight), twice that
for the backward pass, and the second term for attention's scores and weighted sum (no discount
for the causal mask). Hoffmann et al. (2022, "Chinchilla") found the compute-optimal model for
C = 6 N D FLOPs trains on about 20 tokens per parameter.
"""
from __future__ import annotations

import time

import torch

from .model import GPT

CHINCHILLA_TOKENS_PER_PARAMETER = 20  # Hoffmann et al. 2022, the rule of thumb from their Table 3


def training_flops_per_token(model: GPT) -> float:
    """6 N + 6 n_layer n_ctx d_model (Kaplan et al. 2020) for a workshop GPT."""
    config = model.config
    matmul_weights = model.num_parameters(exclude_position_embeddings=True)
    return 6 * matmul_weights + 6 * config.n_layer * config.block_size * config.n_embd


def matmul_peak(size: int = 1024, repeats: int = 20, device: str | torch.device = "cpu") -> float:
    """Best fp32 FLOP/s of (size x size) @ (size x size) on `device`: 2 size^3 per product, best of 3."""
    device = torch.device(device)
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)

    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize()
        elif device.type == "mps":
            torch.mps.synchronize()

    best = float("inf")
    for _ in range(3):
        a @ b  # warm up
        wait()
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        wait()
        best = min(best, (time.perf_counter() - start) / repeats)
    return 2 * size**3 / best


def compute_optimal_tokens(parameters: float) -> float:
    """Chinchilla's rule of thumb: about 20 training tokens per parameter."""
    return CHINCHILLA_TOKENS_PER_PARAMETER * parameters


def training_flops(parameters: float, tokens: float) -> float:
    """C = 6 N D: the total training compute of N parameters on D tokens (the 6N rule without attention)."""
    return 6 * parameters * tokens
