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


# --- from counting to learning: the neural bigram ---
def test_seen_ngram_fraction_by_hand():
    from workshop_utils.ngram import seen_ngram_fraction

    reference = "a b c d e".split()
    assert seen_ngram_fraction("a b c x".split(), reference, n=2) == pytest.approx(2 / 3)  # ab, bc; not cx
    assert seen_ngram_fraction("b c d".split(), reference, n=3) == 1.0
    assert seen_ngram_fraction("e d c b".split(), reference, n=2) == 0.0
    with pytest.raises(ValueError, match="at least"):
        seen_ngram_fraction(["a"], reference, n=2)
    with pytest.raises(TypeError):
        seen_ngram_fraction("a b c", reference, n=2)


def test_word_ids_and_pair_counts_by_hand():
    from workshop_utils.ngram import pair_counts, word_ids

    model = NGramModel(2, min_count=2).fit(TINY)  # vocabulary a, b, <unk>
    ids = word_ids(model, "a b a c zebra".split())
    assert ids.tolist() == [0, 1, 0, 2, 2]
    counts = pair_counts(word_ids(model, TINY), len(model.vocabulary))
    # pairs of "a b a b a c": ab ab ba ba a<unk>
    assert counts.tolist() == [[0, 2, 1], [2, 0, 0], [0, 0, 0]]


def test_counted_bigram_probabilities_equal_the_ngram_model():
    from workshop_utils.ngram import pair_counts, word_ids

    model = NGramModel(2, min_count=1).fit(TINY)
    counts = pair_counts(word_ids(model, TINY), len(model.vocabulary))
    for word in ("a", "b"):
        row = counts[model.index[word]]
        torch.testing.assert_close((row / row.sum()).double(), model.distribution([word]))


def test_counted_cross_entropy_is_the_ngram_models_on_the_same_pairs():
    from workshop_utils.ngram import counted_cross_entropy, pair_counts, word_ids

    model = NGramModel(2, min_count=1).fit(TINY)
    counts = pair_counts(word_ids(model, TINY), len(model.vocabulary))
    # pairs ab ab ba ba ac: -log of 2/3, 2/3, 1, 1, 1/3 over 5 pairs
    expected = -(2 * math.log(2 / 3) + math.log(1 / 3)) / 5
    assert counted_cross_entropy(counts) == pytest.approx(expected)
    # the NGramModel scores the first word with probability 1 (after <s>): one more term, of 0
    assert model.cross_entropy(TINY) == pytest.approx(expected * 5 / 6)


def test_table_cross_entropy_equals_cross_entropy_over_every_pair():
    from workshop_utils.ngram import pair_counts, table_cross_entropy

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 5, (40,), generator=generator)
    logits = torch.randn(5, 5, generator=generator)
    direct = torch.nn.functional.cross_entropy(logits[ids[:-1]], ids[1:])
    torch.testing.assert_close(table_cross_entropy(logits, pair_counts(ids, 5)), direct)


def test_neural_bigram_starts_uniform_and_looks_up_rows():
    from workshop_utils.ngram import NeuralBigram, pair_counts, table_cross_entropy

    net = NeuralBigram(7)
    assert isinstance(net.logits_table, torch.nn.Embedding) and net.logits_table.weight.shape == (7, 7)
    ids = torch.tensor([3, 1, 3])
    assert net(ids).shape == (3, 7) and torch.count_nonzero(net(ids)) == 0
    counts = pair_counts(torch.tensor([0, 1, 2, 3, 4, 5, 6, 0]), 7)
    assert table_cross_entropy(net(torch.arange(7)), counts).item() == pytest.approx(math.log(7))
    with torch.no_grad():
        net.logits_table.weight[3] = torch.arange(7.0)
    torch.testing.assert_close(net(ids)[0], torch.arange(7.0))


def test_training_the_neural_bigram_reaches_the_counted_perplexity_and_not_below():
    from workshop_utils.ngram import counted_cross_entropy, pair_counts, train_neural_bigram, word_ids

    text = "the king and the queen and the king of the land and the sea".split()
    model = NGramModel(2, min_count=1).fit(text)
    counts = pair_counts(word_ids(model, text), len(model.vocabulary))
    counted = math.exp(counted_cross_entropy(counts))
    run = train_neural_bigram(counts, steps=150, learning_rate=0.5, val_counts=counts)
    assert len(run["train_perplexity"]) == len(run["val_perplexity"]) == 151
    assert run["train_perplexity"][0] == pytest.approx(len(model.vocabulary))  # uniform at the start
    assert run["train_perplexity"][-1] < run["train_perplexity"][0] / 3
    assert counted * (1 - 1e-6) <= run["train_perplexity"][-1] <= counted * 1.01
    assert run["val_perplexity"][-1] == pytest.approx(run["train_perplexity"][-1], rel=1e-5)
    probabilities = torch.softmax(run["model"].logits_table.weight.detach(), dim=-1)
    the = model.index["the"]
    torch.testing.assert_close(probabilities[the], (counts[the] / counts[the].sum()), atol=0.01, rtol=0)
    assert train_neural_bigram(counts, steps=2)["val_perplexity"] == []
    with pytest.raises(ValueError):
        train_neural_bigram(counts, steps=0)


def test_distinct_ngram_fraction_is_low_for_a_loop():
    from workshop_utils.ngram import distinct_ngram_fraction

    assert distinct_ngram_fraction("a b c d e".split(), n=2) == 1.0
    assert distinct_ngram_fraction("a b a b a b a".split(), n=2) == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match="at least n = 3 words"):
        distinct_ngram_fraction(["a", "b"], n=3)
    with pytest.raises(TypeError, match="list of words"):
        distinct_ngram_fraction("a b c", n=2)
