"""The Llama-style block of workshop_utils.modern: parameter counts against the formulas, RMSNorm,
SwiGLU, grouped-query attention with rotary positions."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from workshop_utils.model import MLP, GPTConfig, llama_parameter_count
from workshop_utils.modern import GroupedQueryAttention, ModernBlock, RMSNorm, SwiGLU, llama_ffn_dim


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("C", [8, 64, 96])
def test_parameter_counts_match_the_formulas(C):
    F_ = llama_ffn_dim(C, multiple_of=1)
    assert count(nn.LayerNorm(C)) == 2 * C
    assert count(RMSNorm(C)) == C
    assert count(MLP(GPTConfig(n_embd=C, n_head=1))) == 8 * C * C + 5 * C
    assert count(SwiGLU(C, F_)) == 3 * C * F_


def test_rms_norm_gives_unit_root_mean_square_and_keeps_the_mean():
    torch.manual_seed(0)
    x = torch.randn(6, 32) * torch.tensor([[0.1], [1.0], [5.0], [20.0], [1.0], [3.0]]) + 2.0
    with torch.no_grad():
        y = RMSNorm(32)(x)
    torch.testing.assert_close(y.pow(2).mean(-1).sqrt(), torch.ones(6), atol=1e-4, rtol=0)
    assert (y.mean(-1) > 0.05).all()  # no mean subtraction: a shifted input stays shifted
    eps = 1e-6
    torch.testing.assert_close(y, x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps))
    if hasattr(F, "rms_norm"):
        torch.testing.assert_close(y, F.rms_norm(x, (32,), eps=eps))


def test_swiglu_is_down_of_silu_gate_times_up():
    torch.manual_seed(0)
    mlp, x = SwiGLU(8, 12), torch.randn(3, 8)
    with torch.no_grad():
        expected = (F.silu(x @ mlp.gate_proj.weight.T) * (x @ mlp.up_proj.weight.T)) @ mlp.down_proj.weight.T
        torch.testing.assert_close(mlp(x), expected)
    assert all(not name.endswith("bias") for name, _ in mlp.named_parameters())


def test_llama_ffn_dim_reproduces_published_widths():
    assert llama_ffn_dim(4096) == 11008  # Llama 2 7B
    assert llama_ffn_dim(16384, multiple_of=4096, ffn_dim_multiplier=1.2) == 53248  # Llama 3 405B


def test_modern_block_counts_as_llama_parameter_count_and_is_causal():
    torch.manual_seed(0)
    C, heads, kv_heads, F_ = 32, 4, 2, llama_ffn_dim(32, multiple_of=1)
    block = ModernBlock(C, heads, kv_heads, F_).eval()
    assert count(block) == llama_parameter_count(1, C, F_, 0, heads, kv_heads, C // heads) - C  # less the final norm
    x = torch.randn(2, 7, C)
    with torch.no_grad():
        full, prefix = block(x), block(x[:, :4])
    assert full.shape == x.shape
    torch.testing.assert_close(full[:, :4], prefix, atol=1e-5, rtol=0)  # later tokens never change earlier ones


def test_grouped_query_attention_rejects_uneven_groups():
    with pytest.raises(ValueError, match="n_kv_heads"):
        GroupedQueryAttention(32, 4, 3)
