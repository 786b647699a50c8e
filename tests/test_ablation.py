"""The ablation ladder of notebook 07 and the heads sweep of notebook 06 (workshop_utils/ablation.py)."""
import json
from dataclasses import replace

import pytest
import torch

from workshop_utils.ablation import (ABLATION_VARIANTS, HEADS, AblationModel, Variant, summarise, train_heads,
                                     train_variant, variant_named)
from workshop_utils.recipes import ABLATION_RECIPE, recipe_dict
from workshop_utils.attention import positional_encoding
from workshop_utils.model import GPT, GPTConfig
from workshop_utils.paths import DATA_DIR



V, C, T = 50, 16, 8
TINY_VOCAB = 300  # conftest.TINY_VOCAB: the tiny tokenizer's size


def build(name: str, seed: int = 0) -> AblationModel:
    torch.manual_seed(seed)
    return AblationModel(variant_named(name), V, C, T).eval()


def test_bad_variants_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="norm must be one of"):
        Variant("x", norm="middle")
    with pytest.raises(ValueError, match="positions must be one of"):
        Variant("x", positions="rotary")
    with pytest.raises(ValueError, match="needs residual=True"):
        Variant("x", norm="post")
    with pytest.raises(KeyError, match="the ladder is"):
        variant_named("transformer")


def test_the_ladder_changes_one_thing_per_rung_and_ends_at_the_gpt2_block():
    names = [v.name for v in ABLATION_VARIANTS]
    assert len(set(names)) == len(names) and names[0] == "bigram"
    top = AblationModel(variant_named("+ layer norm, pre-norm (GPT-2)"), V, C, T)
    gpt = GPT(GPTConfig(block_size=T, vocab_size=V, n_layer=4, n_head=4, n_embd=C))
    # the same blocks, embeddings and ln_f; only the head is untied here (V x C more) and has a bias (V)
    assert top.num_parameters() == gpt.num_parameters() + V * C + V


def test_the_bigram_sees_only_the_current_token():
    model = build("bigram")
    x = torch.randint(0, V, (1, T))
    changed = x.clone()
    changed[0, :-1] = (changed[0, :-1] + 1) % V  # every token but the last
    with torch.no_grad():
        assert torch.allclose(model(x)[0][0, -1], model(changed)[0][0, -1])
        assert not torch.allclose(model(x)[0][0, 0], model(changed)[0][0, 0])


@pytest.mark.parametrize("name", [v.name for v in ABLATION_VARIANTS[1:]])
def test_every_attention_rung_is_causal(name):
    model = build(name)
    x = torch.randint(0, V, (1, T))
    later = x.clone()
    later[0, -1] = (later[0, -1] + 1) % V
    with torch.no_grad():
        a, b = model(x)[0], model(later)[0]
    scale = a.abs().max()  # relative: without residuals the signal is tiny at initialisation (about 1e-21)
    assert (a[0, :-1] - b[0, :-1]).abs().max() <= 1e-5 * scale
    assert (a[0, -1] - b[0, -1]).abs().max() > 1e-4 * scale


def test_without_positions_one_block_cannot_see_order_but_a_causal_stack_can():
    x = torch.tensor([[1, 2, 3, 4, 5, 6]])
    swapped = torch.tensor([[2, 1, 3, 4, 5, 6]])  # the first two tokens exchanged
    one_block = Variant("one block, no positions", n_layer=1, n_head=4, mlp=True, residual=True, norm="pre",
                        positions="none")
    for variant, invisible in ((one_block, True), (variant_named("pre-norm, no positions"), False),
                               (variant_named("+ layer norm, pre-norm (GPT-2)"), False),
                               (variant_named("pre-norm, sinusoidal positions"), False)):
        torch.manual_seed(0)
        model = AblationModel(variant, V, C, T).eval()
        with torch.no_grad():
            same = torch.allclose(model(x)[0][0, 2:], model(swapped)[0][0, 2:], atol=1e-5)
        # 4 blocks without positions still see order: position 0 attended to token 1 only, position 1 to both,
        # so the states the later positions read differ (the causal mask itself carries position)
        assert same == invisible, variant.name


def test_sinusoidal_positions_are_the_formula_and_post_norm_outputs_are_normalised():
    model = build("pre-norm, sinusoidal positions")
    assert torch.equal(model.sinusoids, positional_encoding(T, C))
    small = build("pre-norm, sinusoids at embedding scale").sinusoids
    assert torch.allclose(small, positional_encoding(T, C) * 0.02 * 2 ** 0.5)
    assert small.pow(2).mean().sqrt().item() == pytest.approx(0.02, rel=1e-5)  # the embeddings' std 0.02
    post = build("+ layer norm, post-norm")
    h = post.token_table(torch.randint(0, V, (2, T))) + post.position_table(torch.arange(T))
    with torch.no_grad():
        out = post.blocks[0](h)
    assert torch.allclose(out.mean(-1), torch.zeros(2, T), atol=1e-5)
    assert torch.allclose(out.std(-1, unbiased=False), torch.ones(2, T), atol=1e-3)


def test_a_rung_trains_and_the_heads_sweep_keeps_the_parameter_count(tiny_tokenizer, tiny_ids):
    recipe = replace(ABLATION_RECIPE, vocab_size=TINY_VOCAB, n_embd=16, block_size=16, steps=40, batch_size=8,
                     warmup_steps=5, eval_tokens=64)
    run = train_variant(variant_named("+ residuals"), tiny_ids, tiny_ids, tiny_tokenizer, recipe)
    untrained = train_variant(variant_named("+ residuals"), tiny_ids, tiny_ids, tiny_tokenizer,
                              replace(recipe, steps=1, warmup_steps=1))
    assert run["bits_per_char"] < untrained["bits_per_char"] - 0.5
    counts = {train_heads(h, tiny_ids, tiny_ids, tiny_tokenizer, replace(recipe, steps=1, warmup_steps=1))["parameters"]
              for h in (1, 4, 16)}
    assert len(counts) == 1
    with pytest.raises(ValueError, match="do not divide"):
        train_heads(3, tiny_ids, tiny_ids, tiny_tokenizer, recipe)
    with pytest.raises(ValueError, match="expects a 301-token tokenizer"):
        train_variant(variant_named("bigram"), tiny_ids, tiny_ids, tiny_tokenizer, replace(recipe, vocab_size=301))


def test_summary_mean_spread_and_interval():
    runs = [{"variant": "a", "bits_per_char": b, "seconds": 1.0, "parameters": 10} for b in (2.0, 2.2, 2.4)]
    (row,) = summarise(runs, "variant")
    assert row["mean_bits_per_char"] == pytest.approx(2.2) and row["sd"] == pytest.approx(0.2)
    assert row["ci95"] == pytest.approx([2.2 - 4.303 * 0.2 / 3 ** 0.5, 2.2 + 4.303 * 0.2 / 3 ** 0.5])


@pytest.mark.parametrize("filename, key, expected", [
    ("architecture-ablation.json", "variant", [v.name for v in ABLATION_VARIANTS]),
    ("heads-sweep.json", "n_head", list(HEADS))])
def test_the_shipped_tables_are_complete_and_made_by_the_recipe(filename, key, expected):
    table = json.loads((DATA_DIR / "results" / filename).read_text())
    assert table["recipe"] == recipe_dict(ABLATION_RECIPE)
    assert [row[key] for row in table["summary"]] == expected
    assert all(row["seeds"] == len(ABLATION_RECIPE.seeds) for row in table["summary"])
    assert sorted((r[key], r["seed"]) for r in table["runs"]) == sorted(
        (k, s) for k in expected for s in ABLATION_RECIPE.seeds)
    assert all(1.0 < r["bits_per_char"] < 4.0 for r in table["runs"])
    assert table["summary"] == summarise(table["runs"], key)


@pytest.mark.slow
def test_one_shipped_rung_reproduces():
    from workshop_utils.text import encode_corpus, train_corpus_tokenizer
    table = json.loads((DATA_DIR / "results" / "architecture-ablation.json").read_text())
    shipped = next(r for r in table["runs"] if r["variant"] == "bigram" and r["seed"] == 0)
    tokenizer = train_corpus_tokenizer(ABLATION_RECIPE.vocab_size)
    again = train_variant(variant_named("bigram"), encode_corpus(tokenizer, "train"), encode_corpus(tokenizer, "val"),
                          tokenizer)
    assert again["bits_per_char"] == pytest.approx(shipped["bits_per_char"], abs=0.02)
