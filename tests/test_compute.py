"""Training compute (workshop_utils/compute.py): Kaplan's FLOPs per token, the matmul peak, Chinchilla."""
import math

import pytest

from workshop_utils.compute import (compute_optimal_tokens, matmul_peak, training_flops,
                                    training_flops_per_token)


def test_flops_per_token_is_six_per_matmul_weight_plus_attention(tiny_model):
    model = tiny_model(n_layer=2, n_embd=16, block_size=16)
    c = model.config
    per_block = 12 * c.n_embd**2 + 13 * c.n_embd  # what every block holds (biases and norms included)
    weights = c.n_layer * per_block + c.vocab_size * c.n_embd + 2 * c.n_embd  # no wpe; tied head once
    assert training_flops_per_token(model) == 6 * weights + 6 * c.n_layer * c.block_size * c.n_embd


def test_gpt3_training_compute_matches_its_paper():
    # Brown et al. 2020, Table D.1: GPT-3 175B took 3.14e23 FLOPs for 300B tokens
    assert training_flops(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)
    assert compute_optimal_tokens(70e9) == 1.4e12  # Chinchilla: 70B parameters, 1.4T tokens


def test_matmul_peak_is_a_finite_rate():
    peak = matmul_peak(size=64, repeats=2)
    assert math.isfinite(peak) and peak > 1e6  # any CPU multiplies 64x64 matrices faster than a megaflop
