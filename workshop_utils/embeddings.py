"""Word embeddings (notebook 04): skip-gram word2vec with negative sampling, and the tools to
look at what it learned (nearest neighbours, analogies, PCA), plus a small co-occurrence matrix.

Skip-gram (Mikolov et al. 2013): for each word in the text, predict the words around it. With
negative sampling the model only has to tell a true (word, context) pair, scored by the dot
product of two vectors, from a few random words drawn from the unigram distribution^0.75.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm


@dataclass
class WordVectors:
    """One vector per word: `vectors[i]` belongs to `words[i]`."""

    words: list[str]
    vectors: torch.Tensor  # (V, d)

    def __post_init__(self) -> None:
        self.index = {word: i for i, word in enumerate(self.words)}
        self.unit = F.normalize(self.vectors.detach().float(), dim=1)  # for cosine similarity

    def vector(self, word: str) -> torch.Tensor:
        """The vector of a word; a clear error for a word outside the vocabulary."""
        if word not in self.index:
            raise ValueError(f"{word!r} is not in the {len(self.words)}-word vocabulary; "
                             "pick a more frequent, lower-case word")
        return self.vectors[self.index[word]]

    def most_similar(self, query: str | torch.Tensor, top: int = 5,
                     exclude: tuple[str, ...] = ()) -> list[tuple[str, float]]:
        """Words whose vectors point the same way (cosine similarity), best first."""
        if isinstance(query, str):
            exclude = tuple(exclude) + (query,)
            query = self.vector(query)
        similarity = self.unit @ F.normalize(query.detach().float(), dim=0)
        values, indices = torch.sort(similarity, descending=True, stable=True)
        ranked = [(self.words[i], round(v, 4)) for v, i in zip(values.tolist(), indices.tolist())
                  if self.words[i] not in exclude]
        return ranked[:top]

    def analogy(self, positive: tuple[str, ...], negative: tuple[str, ...],
                top: int = 5) -> list[tuple[str, float]]:
        """Nearest words to sum(positive) - sum(negative) (unit vectors), inputs excluded.

        king - man + woman: analogy(positive=("king", "woman"), negative=("man",)).
        """
        for word in tuple(positive) + tuple(negative):
            self.vector(word)  # a clear error for an unknown word
        target = sum(self.unit[self.index[w]] for w in positive) - sum(self.unit[self.index[w]] for w in negative)
        return self.most_similar(target, top, exclude=tuple(positive) + tuple(negative))

    def rank(self, word: str, other: str) -> int:
        """Where `other` comes in the neighbour list of `word`: 1 = nearest (`word` left out)."""
        word_index, other_index = self.index[self._known(word)], self.index[self._known(other)]
        similarity = self.unit @ self.unit[word_index]
        closer = similarity > similarity[other_index]
        closer[word_index] = False
        return int(closer.sum()) + 1

    def subset(self, words: list[str]) -> "WordVectors":
        """The same vectors for only these words (to compare two tables on one vocabulary)."""
        return WordVectors(list(words), torch.stack([self.vector(w) for w in words]))

    def _known(self, word: str) -> str:
        self.vector(word)  # a clear error for an unknown word
        return word

    def similarity_matrix(self, words: list[str]) -> torch.Tensor:
        """Cosine similarity between every pair of the given words, (len(words), len(words))."""
        for word in words:
            self.vector(word)  # a clear error for an unknown word
        rows = torch.stack([self.unit[self.index[w]] for w in words])
        return rows @ rows.T


def build_vocabulary(words: list[str], max_size: int, min_count: int = 1) -> tuple[list[str], torch.Tensor]:
    """The `max_size` most frequent words (ties: a-z) seen at least `min_count` times, and counts."""
    if max_size < 1:
        raise ValueError(f"max_size must be >= 1, got {max_size}")
    counted = sorted(Counter(words).items(), key=lambda item: (-item[1], item[0]))
    kept = [(w, c) for w, c in counted if c >= min_count][:max_size]
    if not kept:
        raise ValueError("no word occurs min_count times; lower min_count or use more text")
    return [w for w, _ in kept], torch.tensor([c for _, c in kept], dtype=torch.float64)


def skipgram_pairs(ids: torch.Tensor, window: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (center, context) pair with the context at most `window` positions away."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    centers, contexts = [], []
    for offset in range(1, window + 1):
        centers += [ids[:-offset], ids[offset:]]
        contexts += [ids[offset:], ids[:-offset]]
    return torch.cat(centers), torch.cat(contexts)


class SkipGram(torch.nn.Module):
    """Two tables: `center` vectors (the embeddings we keep) and `context` vectors."""

    def __init__(self, vocab_size: int, dim: int):
        super().__init__()
        self.center = torch.nn.Embedding(vocab_size, dim)
        self.context = torch.nn.Embedding(vocab_size, dim)
        torch.nn.init.uniform_(self.center.weight, -0.5 / dim, 0.5 / dim)
        torch.nn.init.zeros_(self.context.weight)  # as the original word2vec

    def loss(self, centers: torch.Tensor, contexts: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        """-log sigma(u.v) - sum log sigma(-u.n), averaged over the batch."""
        u = self.center(centers)  # (B, d)
        positive = (u * self.context(contexts)).sum(-1)  # (B,)
        negative = torch.einsum("bd,bkd->bk", u, self.context(negatives))  # (B, K)
        return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


def train_skipgram(words: list[str], dim: int = 64, window: int = 3, negatives: int = 5,
                   epochs: int = 2, batch_size: int = 4096, learning_rate: float = 0.02,
                   max_vocab: int = 4000, min_count: int = 5, subsample: float = 1e-4,
                   seed: int = 0, progress: bool = True) -> tuple[WordVectors, list[float]]:
    """Train skip-gram with negative sampling on a list of words; seeded, on the CPU.

    Words outside the `max_vocab` most frequent are dropped; frequent words are randomly
    thinned (kept with probability sqrt(subsample / frequency)), as word2vec does. Returns the
    center vectors and the loss of every batch. Runs on one CPU thread (restored afterwards):
    its small matrix products gain nothing from more, and results repeat exactly.
    """
    if isinstance(words, str):
        raise TypeError("train_skipgram expects a list of words, got one str (it would learn "
                        "vectors for characters); pass a list of words, e.g. words_of(text) or "
                        "text.split()")
    for name, value in [("dim", dim), ("negatives", negatives), ("epochs", epochs),
                        ("batch_size", batch_size)]:
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(words, dim, window, negatives, epochs, batch_size, learning_rate,
                      max_vocab, min_count, subsample, seed, progress)
    finally:
        torch.set_num_threads(threads)


def _train(words, dim, window, negatives, epochs, batch_size, learning_rate, max_vocab,
           min_count, subsample, seed, progress) -> tuple[WordVectors, list[float]]:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    vocabulary, counts = build_vocabulary(words, max_vocab, min_count)
    index = {w: i for i, w in enumerate(vocabulary)}
    ids = torch.tensor([index[w] for w in words if w in index], dtype=torch.long)
    frequency = counts / counts.sum()
    keep = (subsample / frequency).sqrt().clamp(max=1.0) if subsample > 0 else torch.ones_like(frequency)
    noise = (counts ** 0.75).float()
    model = SkipGram(len(vocabulary), dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses: list[float] = []
    for _ in tqdm(range(epochs), desc="skip-gram epochs", disable=not progress):
        kept = ids[torch.rand(len(ids), generator=generator, dtype=torch.float64) < keep[ids]]
        centers, contexts = skipgram_pairs(kept, window)
        order = torch.randperm(len(centers), generator=generator)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            noise_words = torch.multinomial(noise, len(batch) * negatives, replacement=True,
                                            generator=generator).view(len(batch), negatives)
            loss = model.loss(centers[batch], contexts[batch], noise_words)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return WordVectors(vocabulary, model.center.weight.detach().clone()), losses


def pair_ranks(vectors: WordVectors, pairs: list[tuple[str, str]]) -> list[int]:
    """For each (word, partner): the partner's rank among the word's neighbours (1 = nearest)."""
    return [vectors.rank(word, partner) for word, partner in pairs]


def random_pair_ranks(vectors: WordVectors, words: list[str], draws: int = 20, seed: int = 0) -> list[int]:
    """The control for pair_ranks: ranks of partners drawn at random (seeded), `draws` per word."""
    generator = torch.Generator().manual_seed(seed)
    ranks = []
    for word in words:
        others = [w for w in vectors.words if w != word]
        picks = torch.randint(len(others), (draws,), generator=generator).tolist()
        ranks += [vectors.rank(word, others[i]) for i in picks]
    return ranks


def group_similarity(vectors: WordVectors, groups: dict[str, list[str]]) -> dict[str, float]:
    """Mean cosine similarity of the word pairs inside each group, and of the pairs that span
    two groups (key "(across groups)")."""
    words = [w for members in groups.values() for w in members]
    labels = [g for g, members in groups.items() for _ in members]
    similarity = vectors.similarity_matrix(words)
    result = {}
    for group in groups:
        inside = torch.tensor([label == group for label in labels])
        pairs = inside[:, None] & inside[None, :] & ~torch.eye(len(words), dtype=torch.bool)
        result[group] = float(similarity[pairs].mean())
    same = torch.tensor([[a == b for b in labels] for a in labels])
    result["(across groups)"] = float(similarity[~same].mean())
    return result


def neighbour_share(vectors: WordVectors, words: list[str], top: int = 5) -> float:
    """Share of the `top` neighbours of each of `words` that are themselves among `words`."""
    hits = [neighbour in words for word in words for neighbour, _ in vectors.most_similar(word, top)]
    return sum(hits) / len(hits)


def whole_word_vectors(tokenizer, weight: torch.Tensor) -> WordVectors:
    """Rows of a token embedding table (e.g. a GPT's wte) for the tokens that are a space and a
    lower-case word (" king" -> "king"), so they can be compared with word vectors."""
    words, rows = [], []
    for token_id in range(weight.shape[0]):
        piece = tokenizer.decode([token_id])
        if piece.startswith(" ") and piece[1:].isalpha() and piece[1:].islower():
            words.append(piece[1:])
            rows.append(token_id)
    return WordVectors(words, weight.detach()[rows].clone())


def pca_2d(vectors: torch.Tensor) -> torch.Tensor:
    """Project rows onto their two main directions of variation (signs fixed), (N, 2)."""
    centred = vectors.detach().double() - vectors.detach().double().mean(0)
    _, _, right = torch.linalg.svd(centred, full_matrices=False)
    axes = right[:2].T  # (d, 2)
    biggest = axes.abs().argmax(0)
    axes = axes * torch.sign(axes[biggest, torch.arange(2)])  # a deterministic sign per axis
    return (centred @ axes).float()


def cooccurrence_matrix(words: list[str], vocabulary: list[str], window: int = 2) -> torch.Tensor:
    """counts[i, j] = how often vocabulary[j] appears within `window` words of vocabulary[i]."""
    index = {w: i for i, w in enumerate(vocabulary)}
    counts = torch.zeros(len(vocabulary), len(vocabulary))
    for position, word in enumerate(words):
        for neighbour in words[max(0, position - window):position] + words[position + 1:position + 1 + window]:
            if word in index and neighbour in index:
                counts[index[word], index[neighbour]] += 1
    return counts
