"""The text-generation app, driven headless: checks, template, streaming, stops, the widget."""
import pytest
import torch

from workshop_utils.app import TextGenerationApp
from workshop_utils.generation import generate
from workshop_utils.model import GPT, GPTConfig
from workshop_utils.widgets import text_generation_app

ALPHABET = "abcdefghijklmnopqrstuvwxyz ,.!?:\n#"


class CharTokenizer:
    """One token per character of ALPHABET; id len(ALPHABET) is the end token."""
    class Encoded:
        def __init__(self, ids):
            self.ids = ids

    def encode(self, text):
        return self.Encoded([ALPHABET.index(c) if c in ALPHABET else 0 for c in text])

    def decode(self, ids):
        return "".join(ALPHABET[i] if i < len(ALPHABET) else "" for i in ids)


@pytest.fixture(scope="module")
def app():
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=64, vocab_size=len(ALPHABET) + 1, n_layer=2, n_head=2, n_embd=16))
    return TextGenerationApp(model, CharTokenizer(), template="q: {prompt}\na:", stop_token=len(ALPHABET),
                             max_prompt_characters=40, allowed_characters=ALPHABET)


@pytest.mark.parametrize("prompt, message", [
    ("", "empty"), ("   \n", "empty"),
    ("a" * 41, "at most 40"),
    ("hello 👋 world", "never saw these characters in training: '👋'"),
    ("héllo", "'é'"),
])
def test_bad_prompts_are_refused_with_a_message(app, prompt, message):
    with pytest.raises(ValueError, match=message):
        app.validate(prompt)
    result = app.run(prompt)
    assert result.error and message.split(":")[0] in result.error and result.stopped_by == "invalid input"
    assert result.text == ""


def test_prompt_too_long_for_the_context_in_tokens():
    model = GPT(GPTConfig(block_size=16, vocab_size=len(ALPHABET) + 1, n_layer=1, n_head=1, n_embd=8))
    small = TextGenerationApp(model, CharTokenizer(), template="long preamble here: {prompt}!",
                              max_prompt_characters=100, answer_tokens=4)
    with pytest.raises(ValueError, match="context is 16"):
        small.validate("a" * 12)  # 12 + "!" + 4 answer tokens > 16
    ids = small.prompt_ids("a" * 11)  # fits: the template's start is cut, the prompt kept
    assert len(ids) == 12 and small.tokenizer.decode(ids) == "a" * 11 + "!"
    assert small.run("a" * 11, max_new_tokens=10, greedy=True).tokens <= 4


def test_greedy_output_equals_plain_generate_without_cache(app):
    result = app.run("hello", max_new_tokens=20, greedy=True)
    ids = torch.tensor(app.tokenizer.encode("q: hello\na:").ids)
    reference = generate(app.model, ids, 20, greedy=True, stop_token=len(ALPHABET))[len(ids):].tolist()
    if len(ALPHABET) in reference:
        reference = reference[:reference.index(len(ALPHABET))]
    assert result.text == app.tokenizer.decode(reference)
    assert result.prompt == "q: hello\na:" and result.error is None
    assert "".join(result.chunks) == result.text


def test_seeded_sampling_repeats_and_respects_the_length_limit(app):
    first = app.run("to be", max_new_tokens=12, temperature=1.0, seed=5)
    assert first.text == app.run("to be", max_new_tokens=12, temperature=1.0, seed=5).text
    assert first.tokens <= 12
    if first.stopped_by == "length":
        assert first.tokens == 12


def test_stop_sequence_cuts_the_text(app):
    text = app.run("hello", max_new_tokens=30, greedy=True).text
    assert len(text) >= 2, "the random model ends too soon for this test"
    stopper = TextGenerationApp(app.model, app.tokenizer, template=app.template, stop_sequences=[text[1]])
    result = stopper.run("hello", max_new_tokens=30, greedy=True)
    assert result.stopped_by == "stop sequence" and result.text == text[:text.index(text[1])]


def test_stop_request_ends_the_stream(app):
    pieces = []
    for piece in app.stream("hello", max_new_tokens=30, temperature=1.0, top_k=None):
        pieces.append(piece)
        app.stop()
    assert len(pieces) == 1


def test_bad_settings_are_reported_not_raised(app):
    assert "temperature" in app.run("hello", temperature=0).error
    assert "max_new_tokens" in app.run("hello", max_new_tokens=0).error


def test_widget_front_end_headless(app):
    box = text_generation_app(app, threaded=False)
    box.prompt.value = "hello"
    box.greedy.value, box.max_new_tokens.value = True, 20
    box.generate.click()
    assert box.output.value == app.run("hello", max_new_tokens=20, greedy=True).text
    assert "stopped by" in box.status.value and box.last_result.error is None
    box.prompt.value = ""
    box.generate.click()
    assert "empty" in box.status.value and box.output.value == ""
