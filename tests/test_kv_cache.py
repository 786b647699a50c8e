"""The key/value cache: generation with it equals generation without it, token for token."""
import pytest
import torch

from workshop_utils.generation import KVCache, forward_with_cache, generate
from workshop_utils.model import GPT, GPTConfig


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = GPT(GPTConfig(block_size=24, vocab_size=50, n_layer=2, n_head=2, n_embd=16))
    return m.eval()


def test_cached_forward_matches_full_forward(model):
    idx = torch.randint(50, (2, 10))
    full, _ = model(idx)
    cache = KVCache(model.config.n_layer)
    first = forward_with_cache(model, idx[:, :6], cache)  # prefill several tokens at once
    steps = [forward_with_cache(model, idx[:, t:t + 1], cache) for t in range(6, 8)]
    last = forward_with_cache(model, idx[:, 8:], cache)  # two new tokens after a past
    cached = torch.cat([first, *steps, last], dim=1)
    assert cache.length == 10
    torch.testing.assert_close(cached, full, atol=1e-5, rtol=1e-5)


def test_single_query_step_must_not_use_is_causal(model):
    # the SPECS.md pitfall: one query over several keys with is_causal=True would see key 0 only
    idx = torch.randint(50, (1, 5))
    cache = KVCache(model.config.n_layer)
    forward_with_cache(model, idx[:, :4], cache)
    step = forward_with_cache(model, idx[:, 4:], cache)[0, -1]
    full = model(idx)[0][0, -1]
    torch.testing.assert_close(step, full, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("options", [dict(greedy=True), dict(temperature=0.8, top_k=10),
                                     dict(temperature=1.2, top_p=0.9)])
def test_generation_with_cache_is_identical(model, options):
    prompt = torch.randint(50, (2, 5))
    outputs = []
    for use_cache in (False, True):
        generator = torch.Generator().manual_seed(3)
        outputs.append(generate(model, prompt, 15, generator=generator, use_cache=use_cache, **options))
    assert torch.equal(outputs[0], outputs[1])


def test_identical_past_the_context_length_and_with_stop_token(model):
    prompt = torch.randint(50, (1, 20))  # 20 + 12 > block_size 24: the window slides
    a = generate(model, prompt, 12, greedy=True)
    b = generate(model, prompt, 12, greedy=True, use_cache=True)
    assert torch.equal(a, b) and b.size(1) == 32
    stop = int(a[0, 21])
    assert torch.equal(generate(model, prompt, 12, greedy=True, stop_token=stop),
                       generate(model, prompt, 12, greedy=True, stop_token=stop, use_cache=True))


def test_cache_overflow_is_a_clear_error(model):
    cache = KVCache(model.config.n_layer)
    forward_with_cache(model, torch.zeros(1, 20, dtype=torch.long), cache)
    with pytest.raises(ValueError, match="exceed the context"):
        forward_with_cache(model, torch.zeros(1, 5, dtype=torch.long), cache)


def test_identical_for_a_lora_wrapped_model(model):
    import copy
    from workshop_utils.lora import LoRAConfig, apply_lora
    wrapped = copy.deepcopy(model)
    apply_lora(wrapped, LoRAConfig(r=2, alpha=4.0, targets=("c_attn",)))
    for name, parameter in wrapped.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(parameter, std=0.5)  # make the adapter change the outputs
    prompt = torch.randint(50, (1, 6))
    plain = generate(wrapped, prompt, 12, greedy=True)
    assert torch.equal(plain, generate(wrapped, prompt, 12, greedy=True, use_cache=True))
    assert not torch.equal(plain, generate(model, prompt, 12, greedy=True))
