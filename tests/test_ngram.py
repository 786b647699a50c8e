"""workshop_utils.ngram: counting models, hand-checked on a tiny text."""
import math

import pytest
import torch

from workshop_utils.ngram import NGramModel, next_word_pairs, words_of

TINY = "a b a b a c".split()


def test_next_word_pairs_is_the_slide_table():
    pairs = next_word_pairs("This is a language modeling task")
    assert pairs == [("This", "is"), ("This is", "a"), ("This is a", "language"),
                     ("This is a language", "modeling"), ("This is a language modeling", "task")]


def test_words_of_lowercases_and_splits_punctuation():
    assert words_of("To be, or not to be: that's it!") == \
        ["to", "be", ",", "or", "not", "to", "be", ":", "that's", "it", "!"]


def test_bigram_probabilities_and_perplexity_by_hand():
    model = NGramModel(2, min_count=1).fit(TINY)
    assert model.vocabulary == ["a", "b", "c", "<unk>"]
    assert model.probability(["a"], "b") == pytest.approx(2 / 3)
    assert model.probability(["a"], "c") == pytest.approx(1 / 3)
    assert model.probability(["b"], "a") == 1.0
    # "a b a c": P = 1 (first a after <s>), 2/3, 1, 1/3
    assert model.cross_entropy("a b a c".split()) == pytest.approx((math.log(1.5) + math.log(3)) / 4)
    assert model.perplexity("a b a c".split()) == pytest.approx(4.5 ** 0.25)


def test_unigram_perplexity_by_hand():
    model = NGramModel(1, min_count=1).fit(TINY)  # P(a) = 1/2, P(b) = 1/3, P(c) = 1/6
    assert model.perplexity("a b a c".split()) == pytest.approx(72 ** 0.25)


def test_unseen_pairs_need_smoothing():
    plain = NGramModel(2, min_count=1).fit(TINY)
    assert plain.probability(["b"], "c") == 0.0
    assert plain.perplexity("b c".split()) == math.inf
    smoothed = NGramModel(2, k=1.0, min_count=1).fit(TINY)
    assert smoothed.probability(["b"], "c") == pytest.approx(1 / 6)  # (0 + 1) / (2 + 1 * 4)
    assert smoothed.probability(["a"], "b") == pytest.approx(3 / 7)  # (2 + 1) / (3 + 1 * 4)
    assert smoothed.perplexity("b c z".split()) < math.inf


def test_distribution_sums_to_one_and_unknown_context_backs_off():
    model = NGramModel(3, k=0.5, min_count=1).fit(TINY)
    for context in [("a", "b"), ("z", "q"), ()]:
        assert float(model.distribution(context).sum()) == pytest.approx(1.0)
    unigram = NGramModel(1, k=0.5, min_count=1).fit(TINY)
    assert torch.allclose(model.distribution(("z", "q")), unigram.distribution(()))


def test_rare_words_become_unknown():
    model = NGramModel(1, min_count=2).fit(TINY)  # c occurs once
    assert model.vocabulary == ["a", "b", "<unk>"]
    assert model.probability([], "c") == model.probability([], "never-seen") == pytest.approx(1 / 6)


def test_sampling_is_seeded_and_uses_seen_continuations():
    model = NGramModel(2, min_count=1).fit(TINY)
    first = model.sample(["b"], 10, torch.Generator().manual_seed(0))
    again = model.sample(["b"], 10, torch.Generator().manual_seed(0))
    assert first == again and len(first) == 11
    assert all(nxt == "a" for prev, nxt in zip(first, first[1:]) if prev == "b")


def test_next_word_probabilities_and_prompt_with_no_known_word():
    model = NGramModel(2, min_count=1).fit(TINY)
    assert model.next_word_probabilities("b", top=2) == [("a", 1.0), ("b", 0.0)]
    with pytest.raises(ValueError, match="none of the words"):
        model.next_word_probabilities("zebra quokka")
    with pytest.raises(ValueError, match="none of the words"):
        model.next_word_probabilities("")


def test_bad_arguments():
    with pytest.raises(ValueError, match="n must be"):
        NGramModel(0)
    with pytest.raises(ValueError, match="k"):
        NGramModel(2, k=-1)
    with pytest.raises(ValueError, match="non-empty"):
        NGramModel(2).fit([])
    with pytest.raises(ValueError, match="not been fitted"):
        NGramModel(2).probability(["a"], "b")


def test_next_word_explorer_shows_probabilities_and_handles_unknown_prompts():
    import matplotlib
    matplotlib.use("Agg")
    from workshop_utils.widgets import next_word_explorer

    model = NGramModel(2, min_count=1).fit(TINY)
    explorer = next_word_explorer(model, prompt="b", draw=False)
    assert explorer.result["pairs"][0] == ("a", 1.0) and explorer.result["error"] is None
    explorer.children[0].value = "zebra"
    assert explorer.result["pairs"] == [] and "none of the words" in explorer.result["error"]


def test_known_word_fraction_counts_words_not_punctuation():
    from workshop_utils.ngram import known_word_fraction

    vocabulary = {"to", "be", "or", "not"}
    assert known_word_fraction("To be, or not to bee!", vocabulary) == 5 / 6
    assert known_word_fraction("?!", vocabulary) == 0.0 and known_word_fraction("", vocabulary) == 0.0
