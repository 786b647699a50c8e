"""Scaled dot-product, masked, multi-head and cross-attention (values from SPECS.md)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from workshop_utils.attention import (MultiHeadAttention, attend, TinyEncoderDecoder, causal_mask,
                                      masked_scores_example, merge_heads,
                                      reversal_accuracy, reversal_batch,
                                      scaled_dot_product_attention, split_heads, train_reverser)
from workshop_utils.model import GPT, GPTConfig

Q = K = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
V = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
SPEC_WEIGHTS = torch.tensor([[1, 0, 0], [0.330238, 0.669762, 0], [0.248255, 0.248255, 0.503490]])
SPEC_OUTPUT = torch.tensor([[1, 2], [2.339523, 3.339523], [3.510470, 4.510469]])


def test_spec_causal_example():
    output, weights = scaled_dot_product_attention(Q, K, V, causal=True)
    torch.testing.assert_close(weights, SPEC_WEIGHTS, atol=2e-6, rtol=0)
    torch.testing.assert_close(output, SPEC_OUTPUT, atol=2e-6, rtol=0)


def test_boolean_and_float_masks_give_the_causal_result():
    boolean = scaled_dot_product_attention(Q, K, V, mask=causal_mask(3))
    additive = torch.zeros(3, 3).masked_fill(~causal_mask(3), float("-inf"))
    floating = scaled_dot_product_attention(Q, K, V, mask=additive)
    for output, weights in (boolean, floating):
        torch.testing.assert_close(weights, SPEC_WEIGHTS, atol=2e-6, rtol=0)
        torch.testing.assert_close(output, SPEC_OUTPUT, atol=2e-6, rtol=0)


def test_causal_mask_is_lower_triangular_like_torch():
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert torch.equal(causal_mask(2, 4), torch.ones(2, 4, dtype=torch.bool).tril(0))
    with pytest.raises(ValueError):
        causal_mask(0)


def test_slide_masked_example():
    example = masked_scores_example()
    inf = float("inf")
    expected = torch.tensor([[0.4, -inf, -inf], [0.6, 0.8, -inf], [0.7, 0.9, 0.3]])
    assert torch.equal(example["masked_scores"], expected)
    assert torch.equal(example["mask"], torch.tensor([[0, -inf, -inf], [0, 0, -inf], [0.0, 0, 0]]))
    torch.testing.assert_close(example["weights"][0], torch.tensor([1.0, 0, 0]))
    torch.testing.assert_close(example["weights"][1, :2], torch.tensor([0.6, 0.8]).softmax(0))
    torch.testing.assert_close(example["weights"][2], torch.tensor([0.7, 0.9, 0.3]).softmax(0))


@pytest.mark.parametrize("causal", [False, True])
def test_matches_torch_sdpa(causal):
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 8, generator=g) for _ in range(3))
    output, _ = scaled_dot_product_attention(q, k, v, causal=causal)
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.testing.assert_close(output, expected, atol=1e-6, rtol=0)


def test_matches_torch_sdpa_with_boolean_and_float_masks():
    g = torch.Generator().manual_seed(1)
    q, k, v = torch.randn(2, 4, 8, generator=g), torch.randn(2, 6, 8, generator=g), torch.randn(2, 6, 3, generator=g)
    keep = torch.rand(4, 6, generator=g) > 0.3
    keep[:, 0] = True  # no fully masked row
    bias = torch.randn(4, 6, generator=g)
    for mask in (keep, bias):
        output, weights = scaled_dot_product_attention(q, k, v, mask=mask)
        torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                   atol=1e-6, rtol=0)
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, 4))


def test_no_gradient_from_a_later_position_to_an_earlier_output():
    x = torch.randn(1, 5, 4, requires_grad=True)
    output, _ = scaled_dot_product_attention(x, x, x, causal=True)
    for t in range(5):
        (grad,) = torch.autograd.grad(output[0, t].sum(), x, retain_graph=True)
        assert torch.all(grad[0, t + 1:] == 0), f"output {t} depends on a later position"
        assert grad[0, t].abs().sum() > 0


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="same feature size"):
        scaled_dot_product_attention(torch.randn(3, 2), torch.randn(3, 4), torch.randn(3, 4))
    with pytest.raises(ValueError, match="same number of tokens"):
        scaled_dot_product_attention(torch.randn(3, 2), torch.randn(3, 2), torch.randn(4, 2))
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)


def test_split_and_merge_heads_round_trip():
    x = torch.randn(2, 5, 12)
    heads = split_heads(x, 3)
    assert heads.shape == (2, 3, 5, 4)
    torch.testing.assert_close(heads[:, 1], x[..., 4:8])
    assert torch.equal(merge_heads(heads), x)


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_torch(causal):
    torch.manual_seed(0)
    torch_mha = nn.MultiheadAttention(16, 4, batch_first=True)
    mha = MultiHeadAttention.from_torch(torch_mha)
    x = torch.randn(2, 7, 16)
    ours, weights = mha(x, causal=causal)
    # careful: nn.MultiheadAttention's boolean mask means True = NOT allowed
    theirs, their_weights = torch_mha(x, x, x, attn_mask=~causal_mask(7) if causal else None,
                                      average_attn_weights=False)
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)
    torch.testing.assert_close(weights, their_weights, atol=1e-6, rtol=0)


def test_cross_attention_matches_torch():
    torch.manual_seed(1)
    torch_mha = nn.MultiheadAttention(8, 2, batch_first=True)
    mha = MultiHeadAttention.from_torch(torch_mha)
    decoder, encoder = torch.randn(3, 4, 8), torch.randn(3, 6, 8)
    ours, weights = mha(decoder, encoder)
    theirs, _ = torch_mha(decoder, encoder, encoder)
    assert weights.shape == (3, 2, 4, 6)
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)


def test_gpt_attention_maps_match_softmax_of_each_layers_queries_and_keys():
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=16, vocab_size=50, n_layer=2, n_head=2, n_embd=16)).eval()
    idx = torch.randint(50, (1, 9))
    inputs = []  # what each layer's attention sees (after ln_1), caught by hooks on a plain forward
    hooks = [block.attn.register_forward_hook(lambda module, args, output: inputs.append(args[0]))
             for block in model.transformer.h]
    with torch.no_grad():
        model(idx)
    for hook in hooks:
        hook.remove()
    for causal in (True, False):
        maps = model.attention_maps(idx, causal=causal)
        for block, x, got in zip(model.transformer.h, inputs, maps):
            q, k, _ = block.attn.c_attn(x).split(16, dim=2)
            q, k = split_heads(q, 2), split_heads(k, 2)
            scores = q @ k.transpose(-2, -1) / (8 ** 0.5)
            if causal:
                scores = scores.masked_fill(torch.ones(9, 9, dtype=torch.bool).triu(1), float("-inf"))
            torch.testing.assert_close(got, scores.softmax(-1), atol=1e-6, rtol=0)
    unmasked = model.attention_maps(idx, causal=False)
    assert unmasked[0][0, 0, 0, 1:].sum() > 0  # without the mask the first token sees the future
    assert model.attention_maps(idx)[0][0, 0, 0, 1:].sum() == 0


def test_attend_fast_path_equals_the_readable_formula_with_masks():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 4, 8), torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 8)
    allowed = causal_mask(4, 6, offset=2)  # 4 new queries after 2 cached tokens
    assert allowed[0].tolist() == [True, True, True, False, False, False]
    for mask, causal in ((None, True), (allowed, False), (allowed, True), (torch.zeros(4, 6), True)):
        fast, none = attend(q, k, v, mask=mask, causal=causal)
        slow, weights = attend(q, k, v, mask=mask, causal=causal, fast=False)
        assert none is None and weights.shape == (2, 3, 4, 6)
        torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)


def test_reversal_batch_and_toy_model_learns_the_alignment():
    source, target = reversal_batch(4, length=5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(target, source.flip(-1))
    torch.manual_seed(0)
    model = TinyEncoderDecoder(length=6)
    losses = train_reverser(model, steps=200)
    assert losses[-1] < 0.2 < losses[0]
    assert reversal_accuracy(model) > 0.95
    with torch.no_grad():
        _, weights = model(reversal_batch(200, 6)[0])
    mean_map = weights.mean(dim=(0, 1))  # (6, 6)
    assert torch.equal(mean_map.argmax(-1), torch.arange(5, -1, -1))  # output i looks at input 5 - i
    with pytest.raises(ValueError, match="shape"):
        model(torch.zeros(2, 3, dtype=torch.long))


def test_score_statistics_show_why_we_scale():
    from workshop_utils.attention import score_statistics
    stats = score_statistics([4, 256], n_samples=500)
    assert 3 < stats["variance_raw"][0] < 5 and 200 < stats["variance_raw"][1] < 310
    assert all(0.8 < v < 1.2 for v in stats["variance_scaled"])
    assert stats["max_weight_raw"][1] > 0.85 > 0.35 > stats["max_weight_scaled"][1]


def test_attention_explorer_headless():
    import matplotlib
    matplotlib.use("Agg")
    from workshop_utils.text import train_bpe
    from workshop_utils.widgets import attention_explorer, explore_attention
    tokenizer = train_bpe(["the cat sat on the mat and the dog sat on the log"] * 5, vocab_size=300)
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=8, vocab_size=300, n_layer=2, n_head=2, n_embd=16)).eval()
    explorer = attention_explorer(model, tokenizer, text="the cat sat", draw=False)
    text, layer, head, causal = explorer.children[:4]
    layer.value, head.value = 1, 1
    result = explorer.result
    assert (result["layer"], result["head"], result["causal"]) == (1, 1, True)
    assert len(result["tokens"]) == result["weights"].shape[0]
    assert torch.all(result["weights"].triu(1) == 0)
    causal.value = False
    assert torch.all(explorer.result["weights"] > 0)
    text.value = "the cat sat on the mat and the dog sat on the log"
    assert explorer.result["weights"].shape == (8, 8)  # cut to the context
    with pytest.raises(ValueError, match="type some text"):
        explore_attention(model, tokenizer, text="", draw=False)
    with pytest.raises(ValueError, match="layer must be"):
        explore_attention(model, tokenizer, layer=2, draw=False)


def test_plots_return_figures():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from workshop_utils import plots
    seq2seq = plots.plot_seq2seq_bottleneck().axes
    assert len(seq2seq) == 2 and seq2seq[1].get_title().startswith("With attention")
    masked = plots.plot_masked_example(masked_scores_example()).axes
    assert [ax.get_title() for ax in masked] == ["scores", "+ mask", "= masked scores", "softmax -> weights"]
    assert "-inf" in [t.get_text() for t in masked[1].texts]
    heatmap = plots.plot_attention(SPEC_WEIGHTS, ["a", "b", "c"]).axes[0]
    assert len(heatmap.texts) == 9 and heatmap.get_ylabel() == "query"  # 3 x 3 weights, annotated
    heads = plots.plot_attention_heads(torch.rand(2, 3, 3), ["a", "b", "c"]).axes
    assert [ax.get_title() for ax in heads] == ["head 0", "head 1"] and not heads[0].texts
    config = GPTConfig()
    diagram = plots.plot_gpt_diagram(config).axes[0]
    assert diagram.get_title().startswith(f"GPT: {config.n_layer} blocks, d_model {config.n_embd}")
    plt.close("all")


# --- the GPT's fused projection, where heads look, RNN vs self-attention (notebook 06) ---
from workshop_utils.attention import head_focus, qkv_linears, sequence_layer_costs  # noqa: E402


def test_three_linear_layers_give_the_fused_projections_q_k_v():
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=8, vocab_size=20, n_layer=1, n_head=2, n_embd=8))
    c_attn = model.transformer.h[0].attn.c_attn
    query, key, value = qkv_linears(c_attn)
    x = torch.randn(3, 5, 8)
    for fused, separate in zip(c_attn(x).split(8, dim=-1), (query(x), key(x), value(x))):
        torch.testing.assert_close(separate, fused)
    assert query.weight.data_ptr() != c_attn.weight.data_ptr()  # copies: the model is untouched
    no_bias = qkv_linears(nn.Linear(4, 12, bias=False))
    assert all(part.bias is None for part in no_bias)
    with pytest.raises(ValueError, match="3C"):
        qkv_linears(nn.Linear(4, 8))


def test_head_focus_finds_previous_token_and_first_token_heads():
    T = 6
    previous = torch.zeros(T, T)
    previous[0, 0] = 1
    previous[torch.arange(1, T), torch.arange(T - 1)] = 1  # every token looks at the one before
    first = torch.zeros(T, T)
    first[:, 0] = 1  # every token looks at the first
    uniform = torch.ones(T, T).tril()
    uniform = uniform / uniform.sum(-1, keepdim=True)
    focus = head_focus(torch.stack([previous, first, uniform]))
    assert focus["previous"].tolist() == pytest.approx([1, 0.2, float(focus["chance"])])
    assert focus["first"].tolist() == pytest.approx([0.2, 1, float(focus["chance"])])
    assert focus["self"].tolist() == pytest.approx([0, 0, float(focus["chance"])])
    assert float(focus["chance"]) == pytest.approx(sum(1 / (t + 1) for t in range(1, T)) / (T - 1))
    with pytest.raises(ValueError):
        head_focus(torch.ones(1, 1, 1))


def test_sequence_layer_costs_follow_vaswani_table_1():
    costs = sequence_layer_costs(n=10, d=100)
    assert costs["recurrent"] == {"operations": 100_000, "sequential_steps": 10, "path_length": 10}
    assert costs["self-attention"] == {"operations": 10_000, "sequential_steps": 1, "path_length": 1}
    long = sequence_layer_costs(n=1000, d=100)
    assert long["self-attention"]["operations"] > long["recurrent"]["operations"]  # n > d: n^2 d wins
    with pytest.raises(ValueError):
        sequence_layer_costs(0, 4)
