"""The mistakes learners make get a clear error that says what to do, or simply work."""
import json
import re

import numpy as np
import pytest
import torch
import torch.nn as nn

from workshop_utils import arc
from workshop_utils.app import TextGenerationApp
from workshop_utils.embeddings import train_skipgram
from workshop_utils.classifier import BagOfWords, GPTClassifier, accuracy, predict, train_classifier, words
from workshop_utils.lora import LoRAConfig, LoRALinear, apply_lora, check_rank, lora_layers
from workshop_utils.generation import complete, generate, sampling_probabilities
from workshop_utils.model import GPT, GPTConfig
from workshop_utils.ngram import NGramModel, words_of
from workshop_utils.text import bpe_merge_steps, bpe_segment, train_bpe
from workshop_utils.train import TrainConfig, Trainer

LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
PROMPT = [5, 9, 2]


# --- 1. temperature 0 and greedy decoding ------------------------------------------------------

@pytest.mark.parametrize("use_cache", [False, True])
def test_greedy_ignores_temperature_zero(tiny_model, use_cache):
    model = tiny_model()
    prompt = torch.tensor([PROMPT])
    out = generate(model, prompt, 6, temperature=0, greedy=True, use_cache=use_cache)
    assert torch.equal(out, generate(model, prompt, 6, greedy=True, use_cache=use_cache))
    assert out.shape == (1, 9)


def test_temperature_zero_without_greedy_says_to_use_greedy(tiny_model):
    message = r"temperature must be > 0, got 0; use greedy=True for deterministic decoding"
    with pytest.raises(ValueError, match=message):
        generate(tiny_model(), torch.tensor([PROMPT]), 3, temperature=0)
    with pytest.raises(ValueError, match=message):
        sampling_probabilities(LOGITS, temperature=0)
    with pytest.raises(ValueError, match="top_k must be a positive integer"):  # other options still checked
        generate(tiny_model(), torch.tensor([PROMPT]), 3, temperature=0, greedy=True, top_k=0)


def test_complete_passes_greedy_with_temperature_zero_through(tiny_model, tiny_tokenizer):
    model = tiny_model()
    greedy_text = complete(model, tiny_tokenizer, "To be", max_new_tokens=5, greedy=True)
    assert complete(model, tiny_tokenizer, "To be", max_new_tokens=5, temperature=0, greedy=True) == greedy_text


# --- 2. a list of ids, a 1-D tensor -----------------------------------------------------------

def test_generate_takes_a_list_of_ids_as_one_sequence(tiny_model, tiny_tokenizer):
    model = tiny_model()
    ids = tiny_tokenizer.encode("To be, or not").ids
    out = generate(model, ids, 4, greedy=True)
    assert out.dim() == 1 and out.dtype == torch.long
    assert torch.equal(out, generate(model, torch.tensor(ids), 4, greedy=True))
    assert out[:len(ids)].tolist() == ids


def test_generate_refuses_text_and_encodings_with_what_to_pass(tiny_model, tiny_tokenizer):
    model = tiny_model()
    with pytest.raises(TypeError, match=r"not text; encode the text first.*tokenizer\.encode\(text\)\.ids"):
        generate(model, "To be", 3)
    with pytest.raises(TypeError, match=r"pass its \.ids"):
        generate(model, tiny_tokenizer.encode("To be"), 3)
    with pytest.raises(TypeError, match="token ids must be integers"):
        generate(model, [1.5, 2.0], 3)


def test_model_forward_refuses_a_list_and_a_1d_tensor_with_the_fix(tiny_model):
    model = tiny_model()
    with pytest.raises(TypeError, match=r"got a list; wrap a list of ids as torch\.tensor\(\[ids\]\)"):
        model(PROMPT)
    with pytest.raises(ValueError, match=r"shape \(batch, time\), got \(3,\); add a batch dimension with "
                                         r"ids\.unsqueeze\(0\)"):
        model(torch.tensor(PROMPT))
    logits, _ = model(torch.tensor([PROMPT]))  # what the messages say to pass works
    assert logits.shape == (1, 3, model.config.vocab_size)


# --- 3. one str where a list of words or texts belongs ----------------------------------------

def test_train_bpe_refuses_one_str():
    with pytest.raises(TypeError, match=r"expects a list of texts, got one str.*wrap it in a list: \[text\]"):
        train_bpe("to be or not to be " * 20, vocab_size=300)
    assert train_bpe(["to be or not to be " * 20], vocab_size=300).get_vocab_size() > 256


def test_bpe_segment_checks_its_text_and_merges():
    steps = bpe_merge_steps("low " * 5 + "lowest " * 3, 4)
    merges = [step.pair for step in steps]
    with pytest.raises(TypeError, match=r"takes one text \(a str\), got a list; .*' '\.join\(words\)"):
        bpe_segment(["low", "lowest"], merges)
    with pytest.raises(TypeError, match=r"merges must be a list of \(left, right\) pairs"):
        bpe_segment("lowest", "lo")
    with pytest.raises(TypeError, match=r"got MergeStep objects; .*\[step\.pair for step in steps\]"):
        bpe_segment("lowest", steps)
    as_lists = [list(pair) for pair in merges]  # as JSON stores them: the same segmentation
    assert bpe_segment("lowest", as_lists) == bpe_segment("lowest", merges) == ["low", "es", "t", "</w>"]


def test_ngram_fit_and_sample_refuse_one_str():
    text = "to be or not to be that is the question to be"
    with pytest.raises(TypeError, match=r"fit expects a list of words, got one str.*e\.g\. words_of\(text\)"):
        NGramModel(2, min_count=1).fit(text)
    model = NGramModel(2, min_count=1).fit(text.split())
    with pytest.raises(TypeError, match=r"sample expects a list of words.*\['to', 'be'\]"):
        model.sample("to be", 3)
    with pytest.raises(TypeError, match="cross_entropy expects a list of words"):
        model.cross_entropy("to be")
    assert model.sample(["to", "be"], 3, torch.Generator().manual_seed(0))[:2] == ["to", "be"]


def test_train_skipgram_refuses_one_str():
    with pytest.raises(TypeError, match=r"train_skipgram expects a list of words, got one str.*text\.split\(\)"):
        train_skipgram("the king and the queen", progress=False)


# --- 4. numpy integers are integers -----------------------------------------------------------

def test_gpt_config_takes_numpy_integers_as_plain_ints():
    config = GPTConfig(block_size=np.int64(16), vocab_size=np.int64(50), n_layer=np.int32(1),
                       n_head=np.int64(2), n_embd=np.int64(16))
    assert all(type(getattr(config, name)) is int for name in ("block_size", "vocab_size", "n_layer", "n_head",
                                                               "n_embd"))
    assert json.loads(json.dumps(config.to_dict()))["block_size"] == 16
    assert GPT(config).num_parameters() == GPT(GPTConfig(16, 50, 1, 2, 16)).num_parameters()
    for bad in (True, np.bool_(True), 16.0):
        with pytest.raises(ValueError, match="block_size must be a positive integer"):
            GPTConfig(block_size=bad)


def test_top_k_takes_numpy_integers(tiny_model):
    torch.testing.assert_close(sampling_probabilities(LOGITS, top_k=np.int64(2)), sampling_probabilities(LOGITS, top_k=2))
    model, prompt = tiny_model(), torch.tensor([PROMPT])
    sampled = generate(model, prompt, 5, top_k=np.int64(3), generator=torch.Generator().manual_seed(0))
    assert torch.equal(sampled, generate(model, prompt, 5, top_k=3, generator=torch.Generator().manual_seed(0)))
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        sampling_probabilities(LOGITS, top_k=True)


def test_lora_rank_takes_numpy_integers(tiny_model):
    assert check_rank(np.int64(2), 8, 8) == 2 and type(check_rank(np.int64(2), 8, 8)) is int
    layer = LoRALinear(nn.Linear(8, 8), np.int64(2), alpha=4.0)
    assert type(layer.r) is int and layer.scaling == 2.0 and layer.lora_A.shape == (2, 8)
    model = tiny_model()
    assert apply_lora(model, LoRAConfig(r=np.int64(2), alpha=4.0, targets=("c_attn",))) == ["transformer.h.0.attn.c_attn"]
    assert all(type(m.r) is int for m in lora_layers(model).values())
    with pytest.raises(ValueError, match="LoRA rank r must be an integer"):
        check_rank(True, 8, 8)


def test_train_config_takes_numpy_integers():
    config = TrainConfig(max_steps=np.int64(5), batch_size=np.int32(2), warmup_steps=np.int64(1),
                         eval_tokens=np.int64(64))
    assert (config.max_steps, config.batch_size, config.warmup_steps) == (5, 2, 1)
    assert type(config.max_steps) is int and type(config.eval_tokens) is int
    for bad in (True, 2.0):
        with pytest.raises(ValueError, match="batch_size must be a non-negative integer"):
            TrainConfig(batch_size=bad)


# --- 5. LoRA twice, no ARC tasks, too little data ---------------------------------------------

def test_apply_lora_twice_says_to_start_from_a_fresh_model(tiny_model):
    model = tiny_model()
    apply_lora(model, LoRAConfig(r=2, alpha=4.0, targets=("c_attn",)))
    with pytest.raises(ValueError, match=r"already has 1 LoRA layers.*Start from a fresh model: load the "
                                         r"base checkpoint again"):
        apply_lora(model, LoRAConfig(r=2, alpha=4.0, targets=("c_proj",)))
    assert apply_lora(tiny_model(), LoRAConfig(r=2, alpha=4.0, targets=("c_attn",)))  # a fresh model works


def test_load_tasks_on_a_folder_without_tasks_names_it(tmp_path):
    with pytest.raises(ValueError, match=rf"no ARC tasks \(\*\.json files\) in {re.escape(str(tmp_path))}"):
        arc.load_tasks(tmp_path)
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "missing"))):
        arc.load_tasks(tmp_path / "missing")
    assert arc.load_tasks()  # the project's folder has tasks


def test_trainer_refuses_too_little_data_before_training(tiny_model, tiny_ids):
    config = TrainConfig(max_steps=2, batch_size=2, warmup_steps=1, eval_tokens=32)  # block_size 16
    with pytest.raises(ValueError, match=r"val_ids has 10 tokens, but the validation loss needs at least "
                                         r"block_size \+ 1 = 17"):
        Trainer(tiny_model(), tiny_ids, tiny_ids[:10], config)
    with pytest.raises(ValueError, match=r"train_ids has 16 tokens, but one training window needs "
                                         r"block_size \+ 1 = 17"):
        Trainer(tiny_model(), tiny_ids[:16], tiny_ids, config)
    with pytest.raises(ValueError, match=r"eval_tokens=8 keeps 9 validation tokens.*at least 16"):
        Trainer(tiny_model(), tiny_ids, tiny_ids, TrainConfig(max_steps=2, batch_size=2, eval_tokens=8))
    with pytest.raises(ValueError, match=r"train_ids must be a 1-D tensor.*train_ids\.flatten\(\)"):
        Trainer(tiny_model(), tiny_ids[:100].view(4, 25), tiny_ids, config)
    trainer = Trainer(tiny_model(), tiny_ids, tiny_ids[:17], config)  # exactly one window is enough
    assert len(trainer.fit(progress=False)) == 1


def test_classifier_training_and_evaluation_refuse_empty_sets(tiny_model):
    classifier = GPTClassifier(tiny_model())
    ids, lengths, labels = torch.ones(4, 5, dtype=torch.long), torch.full((4,), 5), torch.tensor([0, 1, 2, 0])
    empty = ids[:0], lengths[:0], labels[:0]
    with pytest.raises(ValueError, match=r"the training set is empty \(0 examples\)"):
        train_classifier(classifier, *empty, steps=1, progress=False)
    with pytest.raises(ValueError, match=r"ids, lengths and labels must have one row per example, got 4 vs 4 vs 3"):
        train_classifier(classifier, ids, lengths, labels[:3], steps=1, progress=False)
    with pytest.raises(ValueError, match=r"the evaluation set is empty"):
        predict(classifier, *empty[:2])
    with pytest.raises(ValueError, match=r"accuracy of 0 examples is undefined"):
        accuracy([], [])
    losses, _ = train_classifier(classifier, ids, lengths, labels, steps=2, batch_size=2, progress=False)
    assert len(losses) == 2 and 0.0 <= accuracy(predict(classifier, ids, lengths), labels) <= 1.0


# --- 6. accented letters are letters ------------------------------------------------------------

def test_words_of_keeps_accented_words_whole():
    assert words_of("Café naïve, that's Éire!") == ["café", "naïve", ",", "that's", "éire", "!"]
    assert words_of("cafe\u0301") == ["café"]  # a decomposed é (e + combining accent) too
    assert words_of("To be, or not to be: that's it! 'Tis 42_x") == \
        ["to", "be", ",", "or", "not", "to", "be", ":", "that's", "it", "!", "tis", "x"]  # as before


def test_bag_of_words_keeps_accented_words_whole():
    assert words("Café naïve 'tis o'er-long, 42") == ["café", "naïve", "'tis", "o'er", "long"]
    bag = BagOfWords(min_count=1).fit(["le café noir", "the naïve king"], [0, 1], steps=5)
    assert {"café", "naïve"} <= set(bag.vocabulary)


def test_ascii_words_are_split_exactly_as_before():
    from workshop_utils.data import corpus_text
    text = corpus_text("val")
    assert words_of(text) == re.findall(r"[a-z]+(?:'[a-z]+)*|[.,;:!?]", text.lower())
    assert words(text) == re.findall(r"[a-z']+", text.lower())


# --- 7. the app streams whole characters ---------------------------------------------------------

def _scripted_app(monkeypatch, tokenizer, script: list[int]) -> TextGenerationApp:
    """An app whose model 'predicts' the ids of `script` one by one, then <EOS>."""
    end = tokenizer.token_to_id("<EOS>")
    queue = list(script) + [end]

    def next_logits(model, idx, cache):
        logits = torch.zeros(1, idx.size(1), model.config.vocab_size)
        logits[0, -1, queue.pop(0)] = 1.0
        return logits

    monkeypatch.setattr("workshop_utils.app.forward_with_cache", next_logits)
    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=64, vocab_size=tokenizer.get_vocab_size(), n_layer=1, n_head=1, n_embd=8))
    return TextGenerationApp(model, tokenizer, stop_token=end)


@pytest.mark.parametrize("continuation", [" café — naïve", " 👋 to be é"])
def test_app_streams_whole_characters(monkeypatch, tiny_tokenizer, continuation):
    ids = tiny_tokenizer.encode(continuation).ids
    assert len(ids) > len(continuation.split())  # characters split over several byte tokens
    app = _scripted_app(monkeypatch, tiny_tokenizer, ids)
    chunks = list(app.stream("To be", max_new_tokens=len(ids), greedy=True))
    assert chunks and not any("\ufffd" in chunk for chunk in chunks)
    assert "".join(chunks) == tiny_tokenizer.decode(ids) == continuation


def test_app_never_shows_a_character_left_incomplete(monkeypatch, tiny_tokenizer):
    ids = tiny_tokenizer.encode(" caf👋").ids
    app = _scripted_app(monkeypatch, tiny_tokenizer, ids[:-1])  # stops before the emoji's last byte
    result = app.run("To be", max_new_tokens=len(ids), greedy=True)
    assert "\ufffd" not in "".join(result.chunks) and result.text == " caf" and result.stopped_by == "end token"


def test_train_instructions_refuses_no_examples_before_training(tiny_model, tiny_tokenizer):
    from workshop_utils.instruct import train_instructions

    with pytest.raises(ValueError, match="got no examples; make some with instruction_examples"):
        train_instructions(tiny_model(), tiny_tokenizer, [], steps=5)
