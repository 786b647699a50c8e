"""Knock-outs (workshop_utils/knockout.py, the explorer of notebook 07): each equals editing the weights."""
import copy

import pytest
import torch

from workshop_utils import widgets
from workshop_utils.knockout import (components, knocked_out, knockout_effect, knockout_table,
                                     next_token_distribution, parse)


def logits(model, idx):
    with torch.no_grad():
        return model(idx)[0]


@pytest.fixture
def model_and_ids(tiny_model, tiny_ids):
    return tiny_model(n_layer=2, n_head=2).eval(), tiny_ids[:16].unsqueeze(0)


def test_component_names_round_trip(model_and_ids):
    model, _ = model_and_ids
    names = components(model)
    assert names == ["nothing", "head 0.0", "head 0.1", "mlp 0", "head 1.0", "head 1.1", "mlp 1", "ln_f"]
    assert [parse(n) for n in names[:4]] == [{}, {"head": (0, 0)}, {"head": (0, 1)}, {"mlp": 0}]
    for bad in ("head one", "mlp", "attention 0"):
        with pytest.raises(ValueError, match="write 'head LAYER.HEAD'"):
            parse(bad)


def test_a_head_knock_out_equals_zeroing_its_columns_of_c_proj(model_and_ids):
    model, idx = model_and_ids
    edited = copy.deepcopy(model)
    size = model.config.n_embd // model.config.n_head
    with torch.no_grad():
        edited.transformer.h[1].attn.c_proj.weight[:, size:2 * size] = 0  # head 1 of block 1 writes nothing
    with knocked_out(model, head=(1, 1)):
        assert torch.allclose(logits(model, idx), logits(edited, idx), atol=1e-6)
    assert not torch.allclose(logits(model, idx), logits(edited, idx), atol=1e-6)  # the hook is gone


def test_an_mlp_and_ln_f_knock_out_equal_editing_the_model(model_and_ids):
    model, idx = model_and_ids
    edited = copy.deepcopy(model)
    with torch.no_grad():
        edited.transformer.h[0].mlp.c_proj.weight.zero_()
        edited.transformer.h[0].mlp.c_proj.bias.zero_()
    with knocked_out(model, mlp=0):
        assert torch.allclose(logits(model, idx), logits(edited, idx), atol=1e-6)
    no_norm = copy.deepcopy(model)
    no_norm.transformer.ln_f = torch.nn.Identity()
    with knocked_out(model, ln_f=True):
        assert torch.allclose(logits(model, idx), logits(no_norm, idx), atol=1e-6)


def test_hooks_are_removed_even_after_an_error_and_bad_targets_are_refused(model_and_ids):
    model, idx = model_and_ids
    intact = logits(model, idx)
    with pytest.raises(RuntimeError):
        with knocked_out(model, head=(0, 0), mlp=1, ln_f=True):
            raise RuntimeError("stop")
    assert torch.equal(logits(model, idx), intact)
    with pytest.raises(ValueError, match="layer in \\[0, 2\\)"):
        with knocked_out(model, head=(2, 0)):
            pass
    with pytest.raises(ValueError, match="block index"):
        with knocked_out(model, mlp=-1):
            pass


def test_effect_and_table_measure_the_damage(model_and_ids, tiny_tokenizer, tiny_ids):
    model, _ = model_and_ids
    ids = tiny_ids[:65]
    table = knockout_table(model, tiny_tokenizer, ids)
    assert list(table) == components(model)
    effect = knockout_effect(model, tiny_tokenizer, ids, "To be, or not", "mlp 1")
    assert effect["intact_bits_per_char"] == pytest.approx(table["nothing"])
    assert effect["bits_per_char"] == pytest.approx(table["mlp 1"])
    assert effect["increase"] == pytest.approx(table["mlp 1"] - table["nothing"])
    assert effect["intact_next"] == next_token_distribution(model, tiny_tokenizer, "To be, or not")
    assert effect["next"] != effect["intact_next"]
    probabilities = [p for _, p in effect["next"]]
    assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1 + 1e-6
    with pytest.raises(ValueError, match="type a prompt"):
        next_token_distribution(model, tiny_tokenizer, "")


def test_the_explorer_reruns_on_a_new_component(model_and_ids, tiny_tokenizer, tiny_ids):
    model, _ = model_and_ids
    explorer = widgets.knockout_explorer(model, tiny_tokenizer, tiny_ids[:65], "To be", draw=False)
    assert explorer.result["component"] == "nothing" and explorer.result["increase"] == 0
    dropdown = next(c for c in explorer.children if getattr(c, "description", "") == "knock out")
    dropdown.value = "ln_f"
    assert explorer.result["component"] == "ln_f" and explorer.result["increase"] != 0
