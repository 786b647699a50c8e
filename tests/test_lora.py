import math

import pytest
import torch
import torch.nn as nn

from workshop_utils.lora import (LoRAConfig, LoRALinear, apply_lora, count_trainable, gpt3_lora_parameters,
                                 load_adapter, lora_layers, lora_parameter_count, merge_lora,
                                 save_adapter, trainable_fraction, unmerge_lora)


def specs_layer() -> LoRALinear:
    """SPECS.md worked example: W 3x4, r=2, alpha=4, given A and B."""
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(4, 3), r=2, alpha=4)
    with torch.no_grad():
        layer.lora_A.copy_(torch.tensor([[1.0, 0, 0, 1], [0, 1, 1, 0]]))
        layer.lora_B.copy_(torch.tensor([[1.0, 0], [0, 2], [1, 1]]))
    return layer


LORA_SHAPE = dict(vocab_size=50, n_layer=2)  # two blocks, so each target is adapted twice


def test_specs_delta_weight_and_branch():
    layer = specs_layer()
    assert layer.scaling == 2.0
    expected = torch.tensor([[2.0, 0, 0, 2], [0, 4, 4, 0], [2, 2, 2, 2]])
    assert torch.equal(layer.delta_weight(), expected)
    x = torch.tensor([[1.0, 2, 3, 4]])
    assert torch.allclose(layer.branch(x), torch.tensor([[10.0, 20, 20]]))
    assert torch.allclose(layer(x), layer.base(x) + torch.tensor([[10.0, 20, 20]]))


def test_specs_merged_equals_base_plus_branch_and_unmerge_restores():
    layer = specs_layer()
    x = torch.tensor([[1.0, 2, 3, 4]])
    original = layer.base.weight.clone()
    unmerged = layer(x)
    layer.merge()
    assert layer.merged and torch.allclose(layer(x), unmerged)
    assert torch.allclose(layer.base.weight, original + layer.delta_weight())
    layer.merge()  # merging twice changes nothing
    assert torch.allclose(layer(x), unmerged)
    layer.unmerge()
    assert torch.allclose(layer.base.weight, original)


def test_specs_28_trainable_parameters_for_q_and_v():
    class TinyAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v = nn.Linear(4, 3), nn.Linear(4, 3), nn.Linear(4, 3)

    model = TinyAttention()
    assert apply_lora(model, LoRAConfig(r=2, alpha=4, targets=("q", "v"))) == ["q", "v"]
    assert count_trainable(model) == 28 == lora_parameter_count([(3, 4), (3, 4)], r=2)


def test_init_follows_specs():
    layer = LoRALinear(nn.Linear(64, 32), r=8, alpha=16)
    assert layer.lora_A.shape == (8, 64) and layer.lora_B.shape == (32, 8)
    assert torch.count_nonzero(layer.lora_B) == 0
    bound = 1 / math.sqrt(64)  # kaiming_uniform_(a=sqrt(5)) on fan_in 64
    assert layer.lora_A.abs().max() <= bound and layer.lora_A.std() > bound / 4


def test_wrapped_model_equals_base_at_init(tiny_model):
    model = tiny_model(**LORA_SHAPE)
    idx = torch.randint(0, 50, (2, 10))
    before = model(idx)[0]
    names = apply_lora(model, LoRAConfig(r=2, alpha=4, targets=("c_attn", "c_proj")))
    assert len(names) == 2 * 3  # per layer: c_attn, attn.c_proj and mlp.c_proj
    assert torch.equal(model(idx)[0], before)


def test_merged_equals_unmerged_after_training_like_change(tiny_model):
    model = tiny_model(**LORA_SHAPE)
    apply_lora(model, LoRAConfig(r=4, alpha=8, targets=("c_attn",)))
    with torch.no_grad():
        for layer in lora_layers(model).values():
            layer.lora_B.normal_()
    model.eval()
    idx = torch.randint(0, 50, (2, 10))
    unmerged = model(idx)[0]
    merge_lora(model)
    assert torch.allclose(model(idx)[0], unmerged, atol=1e-5)
    unmerge_lora(model)
    assert torch.allclose(model(idx)[0], unmerged, atol=1e-5)


def test_only_a_and_b_get_gradients(tiny_model):
    model = tiny_model(**LORA_SHAPE)
    apply_lora(model, LoRAConfig(r=2, alpha=4, targets=("c_attn",)))
    idx = torch.randint(0, 50, (2, 10))
    _, loss = model(idx, targets=idx)
    loss.backward()
    for name, p in model.named_parameters():
        is_lora = name.endswith(("lora_A", "lora_B"))
        assert p.requires_grad == is_lora, name
        assert (p.grad is not None) == is_lora, name
    assert 0 < trainable_fraction(model) < 0.2


def test_dropout_only_on_the_branch():
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(8, 8), r=2, alpha=4, dropout=0.5)
    x = torch.randn(4, 8)
    layer.train()
    assert torch.equal(layer(x), layer.base(x))  # B = 0: the dropped branch adds nothing
    with torch.no_grad():
        layer.lora_B.fill_(1.0)
    layer.eval()
    assert torch.allclose(layer(x), layer.base(x) + layer.branch(x))


@pytest.mark.parametrize("r", [0, -1, 17, 2.5])
def test_bad_rank_is_a_clear_error(r, tiny_model):
    with pytest.raises(ValueError, match="rank r must be an integer from 1 to"):
        LoRALinear(nn.Linear(16, 32), r=r, alpha=4)
    with pytest.raises(ValueError, match="rank"):
        apply_lora(tiny_model(**LORA_SHAPE), LoRAConfig(r=r if r != 17 else 99, targets=("c_attn",)))


def test_target_matching_no_layer_is_a_clear_error(tiny_model):
    model = tiny_model(**LORA_SHAPE)
    with pytest.raises(ValueError, match=r"match no Linear layer.*c_attn"):
        apply_lora(model, LoRAConfig(r=2, targets=("q_proj",)))
    assert count_trainable(model) == sum(p.numel() for p in model.parameters())  # untouched


def test_gpt3_counts_match_the_lora_paper():
    assert gpt3_lora_parameters(1)["trainable"] == 4_718_592  # "4.7M" in the paper's table 4
    assert gpt3_lora_parameters(8)["trainable"] == 37_748_736  # "37.7M"
    assert gpt3_lora_parameters(4, ("q", "k", "v", "o"))["trainable"] == 4 * 4 * 24576 * 96
    with pytest.raises(ValueError):
        gpt3_lora_parameters(4, ("x",))


def test_adapter_round_trip(tmp_path, tiny_model):
    model = tiny_model(**LORA_SHAPE)
    apply_lora(model, LoRAConfig(r=2, alpha=4, targets=("c_attn",)))
    with torch.no_grad():
        for layer in lora_layers(model).values():
            layer.lora_B.normal_()
    save_adapter(model, tmp_path, task="test")
    saved = {p.name for p in tmp_path.iterdir()}
    assert saved == {"adapter.safetensors", "adapter.json"}
    fresh = tiny_model(**LORA_SHAPE)  # same seed: same base weights
    config = load_adapter(fresh, tmp_path)
    assert config["lora"] == LoRAConfig(r=2, alpha=4, targets=("c_attn",)) and config["task"] == "test"
    idx = torch.randint(0, 50, (1, 8))
    assert torch.equal(fresh(idx)[0], model(idx)[0])
    assert (tmp_path / "adapter.safetensors").stat().st_size < 4 * 2 * (2 * 16 + 2 * 48) + 2000
    with pytest.raises(FileNotFoundError, match="no adapter"):
        load_adapter(tiny_model(**LORA_SHAPE), tmp_path / "nothing")


def test_rank_explorer_counts(tiny_model):
    from workshop_utils.widgets import explore_lora_ranks, lora_rank_explorer

    model = tiny_model(vocab_size=64, n_layer=2)
    result = explore_lora_ranks(model, r=4, targets="attention q, v (LoRA paper)", draw=False)
    assert result["trainable (ours)"] == 2 * 4 * (16 + 48)
    assert result["trainable (GPT-3)"] == 4 * 4_718_592
    assert result["fraction (ours)"] == pytest.approx(result["trainable (ours)"] / model.num_parameters())
    explorer = lora_rank_explorer(model, draw=False)
    explorer.children[0].value = 16
    explorer.children[1].value = "attention + MLP (every Linear in a block)"
    assert explorer.result["trainable (ours)"] == 2 * 16 * ((16 + 48) + (16 + 16) + 2 * (16 + 64))
    assert {row["model"] for row in explorer.result["rows"]} == {"our GPT", "GPT-3 175B"}
