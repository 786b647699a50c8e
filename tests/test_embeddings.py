"""workshop_utils.embeddings: skip-gram training, neighbours, analogies, PCA, co-occurrence."""
import pytest
import torch

from workshop_utils.embeddings import (SkipGram, WordVectors, build_vocabulary, cooccurrence_matrix,
                                       pca_2d, skipgram_pairs, train_skipgram)

# two "topics" that never share a context: their words should end up apart
TEXT = ("the king and the queen rule the land . " * 30 + "a cat and a dog eat a fish . " * 30).split()


def test_skipgram_pairs_window():
    centers, contexts = skipgram_pairs(torch.tensor([0, 1, 2]), window=1)
    assert sorted(zip(centers.tolist(), contexts.tolist())) == [(0, 1), (1, 0), (1, 2), (2, 1)]
    with pytest.raises(ValueError, match="window"):
        skipgram_pairs(torch.tensor([0, 1]), window=0)


def test_build_vocabulary_orders_by_frequency_then_alphabet():
    words, counts = build_vocabulary("b a c a b a d".split(), max_size=3)
    assert words == ["a", "b", "c"] and counts.tolist() == [3, 2, 1]
    with pytest.raises(ValueError, match="min_count"):
        build_vocabulary(["a"], max_size=3, min_count=2)


def test_negative_sampling_loss_of_a_fresh_model_is_log2_times_k_plus_1():
    model = SkipGram(10, 4)  # context vectors start at zero: every score is 0, sigma = 1/2
    loss = model.loss(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([[5, 6, 7], [8, 9, 0]]))
    assert loss.item() == pytest.approx(4 * torch.log(torch.tensor(2.0)).item(), abs=1e-6)


def test_training_is_seeded_and_repeatable_and_learns_the_topics():
    kwargs = dict(dim=16, window=2, epochs=3, batch_size=256, min_count=1, subsample=0, progress=False)
    first, losses = train_skipgram(TEXT, seed=3, **kwargs)
    again, losses_again = train_skipgram(TEXT, seed=3, **kwargs)
    other, _ = train_skipgram(TEXT, seed=4, **kwargs)
    assert torch.equal(first.vectors, again.vectors) and losses == losses_again
    assert not torch.equal(first.vectors, other.vectors)
    assert losses[-1] < losses[0]
    similarity = first.similarity_matrix(["king", "queen", "cat", "dog"])
    assert similarity[0, 1] > similarity[0, 2] and similarity[2, 3] > similarity[2, 1]


def test_word_vectors_neighbours_and_analogy_by_construction():
    words = ["man", "woman", "king", "queen", "apple"]
    vectors = torch.tensor([[1.0, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [-1, 0, 0]])
    wv = WordVectors(words, vectors)
    assert wv.analogy(positive=("king", "woman"), negative=("man",), top=1)[0][0] == "queen"
    assert wv.most_similar("man", top=1)[0][0] != "man"  # the query itself is left out
    assert wv.most_similar("man", top=5)[-1][0] == "apple"
    with pytest.raises(ValueError, match="not in the"):
        wv.vector("dragon")


def test_pca_2d_finds_the_main_direction():
    points = torch.tensor([[t, 2 * t, 0.01 * (-1) ** i] for i, t in enumerate(range(-5, 6))], dtype=torch.float)
    projected = pca_2d(points)
    assert projected.shape == (11, 2)
    assert projected[:, 0].var() > 100 * projected[:, 1].var()
    assert torch.allclose(projected.mean(0), torch.zeros(2), atol=1e-5)


def test_cooccurrence_matrix_counts_neighbours_symmetrically():
    counts = cooccurrence_matrix("a b a c".split(), ["a", "b", "c"], window=1)
    assert counts.tolist() == [[0, 2, 1], [2, 0, 0], [1, 0, 0]]
    assert torch.equal(counts, counts.T)


def test_training_restores_the_thread_count():
    before = torch.get_num_threads()
    train_skipgram(TEXT, dim=4, epochs=1, min_count=1, subsample=0, progress=False)
    assert torch.get_num_threads() == before


def test_neighbours_explorer():
    from workshop_utils.widgets import neighbours_explorer

    wv = WordVectors(["a", "b", "c"], torch.tensor([[1.0, 0.0], [0.9, 0.1], [-1.0, 0.0]]))
    explorer = neighbours_explorer(wv, "a")
    assert explorer.result["neighbours"][0][0] == "b"
    explorer.children[0].value = "zzz"
    assert explorer.result["neighbours"] == [] and "not in the" in explorer.result["error"]


# --- measuring neighbours (notebook 04) ---

def _line_vectors():
    """Five words on known directions: a ~ b (close), c opposite a, d and e at right angles."""
    import math
    angles = {"a": 0.0, "b": 0.2, "c": math.pi, "d": math.pi / 2, "e": -math.pi / 2 + 0.1}
    words = list(angles)
    return WordVectors(words, torch.tensor([[math.cos(t), math.sin(t)] for t in angles.values()]))


def test_rank_counts_the_words_closer_than_the_partner():
    vectors = _line_vectors()
    assert vectors.rank("a", "b") == 1  # the nearest
    assert vectors.rank("a", "c") == 4  # the farthest of the four others
    assert [w for w, _ in vectors.most_similar("a", top=4)].index("e") + 1 == vectors.rank("a", "e")
    from workshop_utils.embeddings import pair_ranks
    assert pair_ranks(vectors, [("a", "b"), ("a", "c")]) == [1, 4]
    with pytest.raises(ValueError, match="not in the"):
        vectors.rank("a", "zebra")


def test_random_pair_ranks_are_seeded_and_in_range():
    from workshop_utils.embeddings import random_pair_ranks
    vectors = _line_vectors()
    ranks = random_pair_ranks(vectors, ["a", "c"], draws=50, seed=1)
    assert len(ranks) == 100 and set(ranks) == {1, 2, 3, 4}  # every partner but the word itself
    assert ranks == random_pair_ranks(vectors, ["a", "c"], draws=50, seed=1)


def test_subset_keeps_the_vectors_of_the_chosen_words():
    vectors = _line_vectors()
    small = vectors.subset(["c", "a"])
    assert small.words == ["c", "a"] and torch.equal(small.vector("a"), vectors.vector("a"))
    assert small.rank("a", "c") == 1  # the only other word


def test_group_similarity_and_neighbour_share():
    from workshop_utils.embeddings import group_similarity, neighbour_share
    vectors = WordVectors(["x1", "x2", "y1", "y2"], torch.tensor([[1.0, 0], [1, 0.1], [0, 1], [0.1, 1]]))
    result = group_similarity(vectors, {"x": ["x1", "x2"], "y": ["y1", "y2"]})
    cosine = float(torch.nn.functional.cosine_similarity(torch.tensor([1.0, 0]), torch.tensor([1, 0.1]), dim=0))
    assert result["x"] == pytest.approx(cosine) and result["y"] == pytest.approx(cosine)
    assert result["(across groups)"] < 0.2
    assert neighbour_share(vectors, ["x1", "x2"], top=1) == 1.0  # each x's nearest is the other x
    assert neighbour_share(vectors, ["x1", "y1"], top=1) == 0.0


def test_whole_word_vectors_keeps_space_plus_lowercase_word_tokens():
    from workshop_utils import text
    from workshop_utils.embeddings import whole_word_vectors
    tokenizer = text.train_bpe(["the king and the queen. The King!"] * 30, vocab_size=300)
    weight = torch.arange(tokenizer.get_vocab_size() * 2, dtype=torch.float).view(-1, 2)
    vectors = whole_word_vectors(tokenizer, weight)
    assert {"king", "queen", "and", "the"} <= set(vectors.words)
    assert not any(w[0].isupper() or " " in w for w in vectors.words)
    assert torch.equal(vectors.vector("king"), weight[tokenizer.token_to_id("Ġking")])
