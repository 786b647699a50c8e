"""generation.complete_many / complete: the one prompt -> text path (answers and continuations)."""
import pytest
import torch

from workshop_utils.generation import complete, complete_many, generate


@pytest.fixture
def model(tiny_model):
    return tiny_model(block_size=16, vocab_size=300).eval()


def test_an_answer_keeps_the_prompts_end_so_it_fits_in_one_window(model, tiny_tokenizer):
    prompt = "To be, or not to be, that is the question of the winter"
    ids = tiny_tokenizer.encode(prompt).ids
    assert len(ids) > 16 - 6  # too long to keep whole beside 6 new tokens
    answer = complete_many(model, tiny_tokenizer, [prompt], max_new_tokens=6, greedy=True)[0]
    expected = generate(model, torch.tensor(ids[-10:]), 6, greedy=True)[10:]
    assert answer.text == tiny_tokenizer.decode(expected.tolist()) and answer.tokens == 6 and not answer.stopped


def test_a_continuation_slides_like_generate(model, tiny_tokenizer):
    prompt = "Now is"  # + 20 new tokens: past the context of 16, so the window slides
    ids = torch.tensor(tiny_tokenizer.encode(prompt).ids)
    assert len(ids) + 20 > 16
    text = complete(model, tiny_tokenizer, prompt, max_new_tokens=20, seed=3)
    expected = generate(model, ids, 20, temperature=0.8, generator=torch.Generator().manual_seed(3))
    assert text == tiny_tokenizer.decode(expected[len(ids):].tolist())


def test_batched_greedy_answers_equal_one_by_one_and_stop_at_the_stop_token(model, tiny_tokenizer):
    prompts = ["To be", "If music be", "Now is", "To be"]  # two of one length: a batch
    together = complete_many(model, tiny_tokenizer, prompts, max_new_tokens=5, greedy=True)
    alone = [complete_many(model, tiny_tokenizer, [p], max_new_tokens=5, greedy=True)[0] for p in prompts]
    assert together == alone and together[0] == together[3]
    first = tiny_tokenizer.encode(together[0].text).ids[0]
    stopped = complete_many(model, tiny_tokenizer, ["To be"], max_new_tokens=5, greedy=True, stop_token=first)[0]
    assert stopped == type(stopped)("", True, 1)


def test_stop_text_and_clear_errors(model, tiny_tokenizer):
    free = complete_many(model, tiny_tokenizer, ["To be"], max_new_tokens=8, seed=1)[0].text
    cut = free[1:3]
    if cut:
        stopped = complete_many(model, tiny_tokenizer, ["To be"], max_new_tokens=8, seed=1, stop_text=cut)[0]
        assert stopped.stopped and stopped.text == free[:free.index(cut)]
    with pytest.raises(TypeError, match="list of prompts"):
        complete_many(model, tiny_tokenizer, "To be")
    with pytest.raises(TypeError, match="complete_many"):
        complete(model, tiny_tokenizer, ["To be"])


def test_temperature_variety_measures_each_temperature(tiny_model, tiny_tokenizer):
    from workshop_utils.generation import complete, temperature_variety

    model = tiny_model().eval()
    vocabulary = {"to", "be", "or", "not"}
    rows = temperature_variety(model, tiny_tokenizer, "To be", [0.2, 2.0], vocabulary, samples=2,
                               max_new_tokens=12, n=1)
    assert [r["temperature"] for r in rows] == [0.2, 2.0]
    for row in rows:
        assert 0.0 <= row["distinct"] <= 1.0 and 0.0 <= row["known_words"] <= 1.0
    assert rows[1]["sample"] == complete(model, tiny_tokenizer, "To be", 12, temperature=2.0, seed=0)
    with pytest.raises(ValueError, match="at least one temperature"):
        temperature_variety(model, tiny_tokenizer, "To be", [], vocabulary)
