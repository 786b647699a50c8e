"""The GPT model, its parameter count, sampling (values from SPECS.md) and generation."""
import pytest
import torch

from workshop_utils.generation import generate, sampling_probabilities
from workshop_utils.model import (GPT, GPTConfig, count_parameters_formula, gpt_parameter_count,
                                  published_model_sizes, weight_memory_gb)
from workshop_utils.model import residual_stream_std

LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
SPEC_SAMPLING = [  # (options, expected probabilities), verbatim from SPECS.md
    (dict(temperature=1), [0.563021, 0.207124, 0.125627, 0.076197, 0.028031]),
    (dict(temperature=0.5), [0.829245, 0.112226, 0.041286, 0.015188, 0.002055]),
    (dict(temperature=2), [0.374545, 0.227173, 0.176922, 0.137787, 0.083572]),
    (dict(top_k=2), [0.731059, 0.268941, 0, 0, 0]),
    (dict(top_p=0.9), [0.579259, 0.213097, 0.129250, 0.078394, 0]),
    (dict(top_p=0.5), [1, 0, 0, 0, 0]),
    (dict(temperature=0.5, top_k=3, top_p=0.9), [0.880797, 0.119203, 0, 0, 0]),
]
SMALL = dict(block_size=16, vocab_size=40, n_layer=2, n_head=2, n_embd=16)  # tiny_model(**SMALL): 2 blocks


@pytest.mark.parametrize("options,expected", SPEC_SAMPLING, ids=lambda x: str(x))
def test_sampling_probabilities_spec_values(options, expected):
    probs = sampling_probabilities(LOGITS, **options)
    torch.testing.assert_close(probs, torch.tensor(expected, dtype=torch.float32), atol=2e-6, rtol=0)


def test_top_k_keeps_ties_and_works_on_batches():
    probs = sampling_probabilities(torch.tensor([1.0, 1.0, 1.0, 0.0]), top_k=2)
    assert int((probs > 0).sum()) == 3
    batch = sampling_probabilities(torch.stack([LOGITS, LOGITS.flip(0)]), top_k=2)
    assert batch.shape == (2, 5) and torch.allclose(batch.sum(-1), torch.ones(2))
    assert batch[1, 4] > 0 and batch[1, 0] == 0
    torch.testing.assert_close(sampling_probabilities(LOGITS, top_k=99, top_p=1.0), LOGITS.softmax(0))


@pytest.mark.parametrize("options,message", [
    (dict(temperature=0), "temperature must be > 0"), (dict(temperature=-1.0), "greedy=True"),
    (dict(top_p=0.0), "top_p"), (dict(top_p=1.5), "top_p"), (dict(top_k=0), "top_k"),
    (dict(top_k=2.5), "top_k")])
def test_bad_sampling_options_raise_clear_errors(options, message, tiny_model):
    with pytest.raises(ValueError, match=message):
        sampling_probabilities(LOGITS, **options)
    with pytest.raises(ValueError, match=message):
        generate(tiny_model(**SMALL).eval(), torch.tensor([[1, 2]]), 3, **options)


def test_bad_token_ids_and_config_raise_clear_errors(tiny_model):
    model = tiny_model(**SMALL).eval()
    for bad in (torch.tensor([[1, 40]]), torch.tensor([[-1, 3]])):
        with pytest.raises(ValueError, match="token ids must be in"):
            model(bad)
        with pytest.raises(ValueError, match="token ids must be in"):
            generate(model, bad, 2)
    with pytest.raises(ValueError, match="token ids must be in"):  # out of range in the cropped-away part
        generate(model, torch.tensor([[99] + [1] * 16]), 2)
    with pytest.raises(ValueError, match="divisible by n_head"):
        GPTConfig(n_embd=30, n_head=4)
    with pytest.raises(ValueError, match="max_new_tokens"):
        generate(model, torch.tensor([1, 2]), -1)
    with pytest.raises(ValueError, match="stop_token"):
        generate(model, torch.tensor([1, 2]), 2, stop_token=40)


def test_generation_is_seeded_and_repeatable(tiny_model):
    model, prompt = tiny_model(**SMALL).eval(), torch.tensor([[1, 2, 3]])
    runs = [generate(model, prompt, 12, top_k=10, generator=torch.Generator().manual_seed(seed))
            for seed in (7, 7, 8)]
    assert runs[0].shape == (1, 15) and torch.equal(runs[0][:, :3], prompt)
    assert torch.equal(runs[0], runs[1])
    assert not torch.equal(runs[0], runs[2])


def test_greedy_takes_the_argmax_and_restores_training_mode(tiny_model):
    model = tiny_model(**SMALL).train()
    out = generate(model, torch.tensor([5, 6]), 4, greedy=True)
    assert model.training and out.shape == (6,)
    model.eval()
    with torch.no_grad():
        for t in range(2, 6):
            logits, _ = model(out[:t].unsqueeze(0))
            assert int(logits[0, -1].argmax()) == int(out[t])


def test_stop_token_ends_generation(tiny_model):
    model = tiny_model(**SMALL).eval()
    first = int(generate(model, torch.tensor([1, 2]), 1, greedy=True)[-1])
    out = generate(model, torch.tensor([1, 2]), 10, greedy=True, stop_token=first)
    assert out.tolist() == [1, 2, first]


def test_long_prompt_is_cropped_with_a_warning(tiny_model):
    model = tiny_model(**SMALL).eval()
    prompt = torch.arange(20).unsqueeze(0) % 40
    with pytest.warns(UserWarning, match="last 16 tokens"):
        out = generate(model, prompt, 3, greedy=True)
    assert torch.equal(out[:, :20], prompt) and out.shape == (1, 23)
    expected = generate(model, prompt[:, -16:], 3, greedy=True)
    assert torch.equal(out[:, -3:], expected[:, -3:])


def test_fast_path_equals_manual_path(tiny_model):
    model = tiny_model(**SMALL).eval()
    idx = torch.randint(40, (2, 16))
    fast, _ = model(idx)
    for block in model.transformer.h:
        block.attn.use_fast_path = False
    manual, _ = model(idx)
    torch.testing.assert_close(fast, manual, atol=1e-5, rtol=0)
    with_weights, _, attention = model(idx, return_attention=True)
    torch.testing.assert_close(fast, with_weights, atol=1e-5, rtol=0)
    assert len(attention) == 2 and attention[0].shape == (2, 2, 16, 16)
    torch.testing.assert_close(attention[1].sum(-1), torch.ones(2, 2, 16))


@pytest.mark.parametrize("fast", [True, False])
def test_no_gradient_from_a_later_position_to_an_earlier_output(fast, tiny_model):
    model = tiny_model(**SMALL).eval()
    for block in model.transformer.h:
        block.attn.use_fast_path = fast
    embeddings = []
    hook = model.transformer.wte.register_forward_hook(
        lambda module, args, output: embeddings.append(output.retain_grad() or output))
    logits, _ = model(torch.randint(40, (1, 8)))
    hook.remove()
    for t in range(8):
        model.zero_grad()
        embeddings[0].grad = None
        logits[0, t].sum().backward(retain_graph=True)
        grad = embeddings[0].grad[0]
        assert torch.all(grad[t + 1:] == 0), f"logits at {t} depend on a later token"
        assert grad[t].abs().sum() > 0


def test_changing_a_future_token_leaves_earlier_logits_unchanged(tiny_model):
    model = tiny_model(**SMALL).eval()
    idx = torch.randint(40, (1, 10))
    changed = idx.clone()
    changed[0, 6] = (idx[0, 6] + 1) % 40
    before, _ = model(idx)
    after, _ = model(changed)
    assert torch.equal(before[0, :6], after[0, :6])
    assert not torch.allclose(before[0, 6:], after[0, 6:])


@pytest.mark.parametrize("config", [
    dict(), dict(bias=False), dict(n_layer=1, n_head=1, n_embd=8, vocab_size=5, block_size=3),
    dict(n_layer=3, n_head=3, n_embd=48, vocab_size=300, block_size=32, bias=False),
    dict(n_layer=6, n_head=8, n_embd=64, vocab_size=1024, block_size=256)])
def test_parameter_formula_equals_counted_parameters(config):
    config = GPTConfig(**config)
    model = GPT(config)
    assert count_parameters_formula(config) == model.num_parameters()
    assert model.num_parameters() == sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def test_weight_tying_and_gpt2_names(tiny_model):
    model = tiny_model(**SMALL).eval()
    assert model.lm_head.weight is model.transformer.wte.weight
    names = set(model.state_dict())
    for name in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
                 "transformer.h.1.mlp.c_proj.bias", "transformer.ln_f.weight", "lm_head.weight"):
        assert name in names
    assert model.config.to_dict()["n_embd"] == 16


def test_published_model_sizes_and_memory():
    sizes = {entry["name"]: entry["parameters"] for entry in published_model_sizes()}
    assert sizes["GPT-2 124M"] == 124_439_808 == gpt_parameter_count(12, 768, 50257, 1024)
    assert 174e9 < sizes["GPT-3 175B"] < 176e9
    assert 405e9 < sizes["Llama 3 405B"] < 406e9
    memory = weight_memory_gb(175_000_000_000)
    assert memory == {"fp32": 700.0, "bf16": 350.0, "int8": 175.0}


def test_residual_stream_std_measures_each_block_and_removes_its_hooks(tiny_model):
    model = tiny_model(**SMALL).eval()
    idx = torch.randint(0, SMALL["vocab_size"], (3, SMALL["block_size"]), generator=torch.Generator().manual_seed(0))
    stats = residual_stream_std(model, idx)
    n_layer = SMALL["n_layer"]
    assert [len(stats[key]) for key in ("residual", "ln_1", "ln_2", "normalised")] == [n_layer + 1, n_layer,
                                                                                        n_layer, 2 * n_layer]
    with torch.no_grad():  # the last value is the residual stream that reaches ln_f
        expected = model.hidden_states(idx).std(dim=-1, unbiased=False).mean().item()
    assert stats["residual"][-1] == pytest.approx(expected, rel=1e-5)
    assert all(value == pytest.approx(1, abs=0.05) for value in stats["normalised"])  # eps lowers tiny inputs
    assert stats["ln_1"] == pytest.approx(stats["normalised"][0::2], rel=1e-5)  # at init: scale 1, shift 0
    assert all(not module._forward_hooks for module in model.modules())
