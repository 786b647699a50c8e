"""The word-order task (workshop_utils/word_order.py): pairs of a line as written and the same
words reordered, on one side of the split; a bag of words scores exactly 50% on them; zero-shot
scoring by log-likelihood; the classifier code takes the examples unchanged."""
from collections import Counter

import pytest
import torch

from workshop_utils import word_order as wo
from workshop_utils.classifier import BagOfWords, GPTClassifier, accuracy, predict, train_classifier, visible_text
from workshop_utils.data import passages_for, split_of
from workshop_utils.genres import genre_tensors


@pytest.fixture(scope="module")
def pairs():
    return {kind: wo.order_examples("test", 60, seed=0, kind=kind) for kind in wo.KINDS}


def test_each_line_once_as_written_and_once_reordered_from_one_test_scene(pairs):
    test_lines = {line for p in passages_for("test") for line in p.text.split("\n")}
    for kind, examples in pairs.items():
        assert len(examples) == 120 and Counter(e.label for e in examples) == {0: 60, 1: 60}
        assert [e.pair for e in examples] == [k for k in range(60) for _ in range(2)]  # side by side
        for original, reordered in wo.order_pairs(examples):
            assert original.text in test_lines and original.text != reordered.text
            assert original.scene_id == reordered.scene_id and split_of(original.scene_id) == "test"
            words, other = original.text.split(), reordered.text.split()
            assert Counter(words) == Counter(other) and words[0] == other[0]  # same words, first in place
            assert len(words) >= wo.MIN_WORDS
        assert len({e.text for e in examples if e.label == 1}) == 60  # no line twice


def test_a_swap_exchanges_two_adjacent_words_and_the_first_word_never_moves(pairs):
    for original, reordered in wo.order_pairs(pairs["swap"]):
        words, other = original.text.split(), reordered.text.split()
        differ = [k for k, (a, b) in enumerate(zip(words, other)) if a != b]
        assert len(differ) == 2 and differ[1] == differ[0] + 1 and differ[0] >= 1
        j = differ[0]
        assert other[j:j + 2] == [words[j + 1], words[j]]
    shuffled = [sum(a != b for a, b in zip(original.text.split(), reordered.text.split()))
                for original, reordered in wo.order_pairs(pairs["shuffle"])]
    assert sum(shuffled) / len(shuffled) > 3  # a shuffle moves most words, a swap two
    assert wo.adjacent_swaps("To be, or not") == ["To or be, not", "To be, not or"]
    assert wo.adjacent_swaps("Come, come come") == [] and wo.shuffled_words("O no no no", None) is None


def test_both_kinds_take_the_same_lines_and_a_seed_fixes_them(pairs):
    originals = {kind: [o.text for o, _ in wo.order_pairs(examples)] for kind, examples in pairs.items()}
    assert originals["swap"] == originals["shuffle"]
    assert wo.order_examples("test", 60, seed=0, kind="swap") == pairs["swap"]
    assert wo.order_examples("test", 60, seed=1, kind="swap") != pairs["swap"]


def test_no_test_line_stands_in_a_training_scene():
    train_lines = {line for p in passages_for("train") for line in p.text.split("\n")}
    for split in ("val", "test"):
        assert not {line for line, _, _ in wo._lines(split)} & train_lines
    assert {split_of(e.scene_id) for e in wo.order_examples("train", 50)} == {"train"}


@pytest.mark.parametrize("kind", wo.KINDS)
def test_bag_of_words_scores_exactly_50_percent_by_construction(kind, tiny_tokenizer):
    """The two texts of a pair have the same word counts, so the same features and the same
    prediction: one of them right, one wrong, whatever the bag learned (as in label_budget_curve)."""
    train, test = wo.order_examples("train", 200, kind=kind), wo.order_examples("test", 100, kind=kind)
    seen = {name: visible_text(tiny_tokenizer, [e.text for e in examples], 256)
            for name, examples in (("train", train), ("test", test))}
    assert seen["test"] == [e.text for e in test]  # nothing cut: the pair stays whole
    bag = BagOfWords().fit(seen["train"], [e.label for e in train], seed=0)
    features, predictions = bag.features(seen["test"]), bag.predict(seen["test"])
    assert features.sum() > 0  # the bag does see the words
    for k in range(0, len(test), 2):  # pairs side by side
        assert test[k].pair == test[k + 1].pair and torch.equal(features[k], features[k + 1])
        assert predictions[k] == predictions[k + 1]
    assert accuracy(predictions, [e.label for e in test]) == 0.5
    assert accuracy(bag.predict(seen["train"]), [e.label for e in train]) == 0.5  # even on its own data


def test_order_preferences_compare_the_two_versions_after_a_line_break(pairs, monkeypatch):
    examples = pairs["swap"][:20]
    originals = {o.text for o, _ in wo.order_pairs(examples)}
    calls = []

    def fake(model, tokenizer, prompt, continuations):  # 0 for an original line, -1 for the rest
        calls.append((prompt, list(continuations)))
        return [0.0 if c[:-1] in originals else -1.0 for c in continuations]

    monkeypatch.setattr(wo, "continuation_log_likelihoods", fake)
    assert wo.order_preferences(None, None, examples) == [True] * 10
    assert all(prompt == "\n" and all(c.endswith("\n") for c in options) for prompt, options in calls)
    flipped = [wo.OrderExample(e.text, 1 - e.label, e.play, e.scene_id, e.pair) for e in examples]
    assert wo.zero_shot_order_accuracy(None, None, flipped) == 0.0
    monkeypatch.setattr(wo, "continuation_log_likelihoods", lambda *args: [-1.0, -1.0])
    assert wo.zero_shot_order_accuracy(None, None, examples) == 0.0  # a tie is not a preference


def test_zero_shot_accuracy_of_a_real_gpt_is_the_share_of_its_preferences(pairs, tiny_model, tiny_tokenizer):
    from workshop_utils.benchmarks import continuation_log_likelihoods

    model, examples = tiny_model(block_size=128).eval(), pairs["shuffle"][:40]
    preferences = wo.order_preferences(model, tiny_tokenizer, examples)
    original, reordered = wo.order_pairs(examples)[0]
    scores = continuation_log_likelihoods(model, tiny_tokenizer, "\n", [original.text + "\n", reordered.text + "\n"])
    assert preferences[0] == (scores[0] > scores[1])
    share = wo.zero_shot_order_accuracy(model, tiny_tokenizer, examples)
    assert share == sum(preferences) / 20
    flipped = [wo.OrderExample(e.text, 1 - e.label, e.play, e.scene_id, e.pair) for e in examples]
    assert wo.zero_shot_order_accuracy(model, tiny_tokenizer, flipped) == pytest.approx(1 - share)


def test_the_classifier_code_trains_on_order_examples_unchanged(pairs, tiny_model, tiny_tokenizer):
    examples = pairs["swap"][:32]
    ids, lengths, labels = genre_tensors(tiny_tokenizer, examples, 96)
    assert labels.tolist() == [e.label for e in examples] and ids.size(1) <= 96
    classifier = GPTClassifier(tiny_model(block_size=96), n_classes=2)
    losses, _ = train_classifier(classifier, ids, lengths, labels, part="last_block", steps=3, batch_size=8,
                                 progress=False)
    assert len(losses) == 3 and set(predict(classifier, ids, lengths).tolist()) <= {0, 1}


def test_bad_requests_say_what_to_do(pairs):
    with pytest.raises(ValueError, match="kind must be one of"):
        wo.order_examples("test", 5, kind="reverse")
    with pytest.raises(ValueError, match="ask for fewer"):
        wo.order_examples("test", 10**6)
    with pytest.raises(ValueError, match="count must be at least 1"):
        wo.order_examples("test", 0)
    with pytest.raises(ValueError, match="split must be"):
        wo.order_examples("dev", 5)
    with pytest.raises(ValueError, match="keep order_examples' pairs whole"):
        wo.order_pairs(pairs["swap"][1:])
