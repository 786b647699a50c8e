"""N-gram word models (notebook 02): next-word prediction by counting, then by learning.

P(w | context) = (count(context, w) + k) / (count(context) + k * V), with add-k smoothing
(k = 0: plain relative frequencies). A context never seen in training falls back to the
next-shorter context (a bigram's context is its last word, a unigram has none).

The neural bigram learns the same table instead of counting it: one row of V logits per
previous word (nn.Embedding(V, V)), trained by gradient descent on the cross-entropy.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import trange

from .nn_basics import one_thread

UNKNOWN = "<unk>"  # words too rare in training (and new words) all share this one entry
START = "<s>"  # fills the context before the first word
# a word: letters of any alphabet (café, naïve), with inner apostrophes (that's); or a mark
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|[.,;:!?]")


def words_of(text: str) -> list[str]:
    """Lower-case words and punctuation marks: "To be, or not." -> to be , or not ."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def known_word_fraction(text: str, vocabulary: set[str]) -> float:
    """Share of the words of `text` (punctuation left out) found in `vocabulary`: how word-like
    a sample is. 0.0 for a text with no words."""
    found = [w for w in words_of(text) if w[0].isalpha()]
    return sum(w in vocabulary for w in found) / len(found) if found else 0.0


def _check_words(words, what: str, example: str) -> None:
    """A str where a list of words belongs would silently make a model of characters."""
    if isinstance(words, str):
        raise TypeError(f"{what} expects a list of words, got one str (it would be read "
                        f"character by character); pass a list of words, e.g. {example}")


def next_word_pairs(sentence: str) -> list[tuple[str, str]]:
    """The slide's table: (every prefix of the sentence, the word that follows it)."""
    words = sentence.split()
    return [(" ".join(words[:i]), words[i]) for i in range(1, len(words))]


class NGramModel:
    """An n-gram word model (n = 1 unigram, 2 bigram, 3 trigram) fitted by counting."""

    def __init__(self, n: int, k: float = 0.0, min_count: int = 2):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer (1 unigram, 2 bigram, ...), got {n!r}")
        if k < 0:
            raise ValueError(f"k (add-k smoothing) must be >= 0, got {k}; use 0 for no smoothing")
        self.n, self.k, self.min_count = n, k, min_count
        self.vocabulary: list[str] = []
        self.index: dict[str, int] = {}
        self.counts: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        self.totals: dict[tuple[str, ...], int] = {}
        self._tensors: dict[tuple[str, ...], tuple[torch.Tensor, torch.Tensor]] = {}

    def fit(self, words: list[str]) -> "NGramModel":
        """Count every n-gram (and all shorter ones) in a list of words; returns self."""
        _check_words(words, "fit", "words_of(text) or text.split()")
        if not words:
            raise ValueError("fit needs a non-empty list of words (see words_of(text))")
        frequent = sorted(w for w, c in Counter(words).items() if c >= self.min_count)
        self.vocabulary = frequent + [UNKNOWN]
        self.index = {w: i for i, w in enumerate(self.vocabulary)}
        padded = [START] * (self.n - 1) + [w if w in self.index else UNKNOWN for w in words]
        self.counts = defaultdict(Counter)
        for order in range(self.n):  # contexts of length 0 .. n-1 before each word
            grams = Counter(zip(*(padded[self.n - 1 - order + i:] for i in range(order + 1))))
            for gram, count in grams.items():
                self.counts[gram[:-1]][gram[-1]] = count
        self.totals = {context: sum(followers.values()) for context, followers in self.counts.items()}
        self._tensors = {}
        return self

    def _known(self, word: str) -> str:
        return word if word in self.index or word == START else UNKNOWN

    def _context(self, context: tuple[str, ...]) -> tuple[str, ...]:
        """The longest seen suffix of the last n-1 words (the empty context is always seen)."""
        context = tuple(self._known(w) for w in context)[len(context) - (self.n - 1):] \
            if self.n > 1 else ()
        while context and context not in self.counts:
            context = context[1:]
        return context

    def probability(self, context: tuple[str, ...] | list[str], word: str) -> float:
        """P(word | context) with add-k smoothing."""
        if not self.vocabulary:
            raise ValueError("the model has not been fitted yet; call .fit(words) first")
        context = self._context(tuple(context))
        followers, total = self.counts[context], self.totals[context]
        return (followers[self._known(word)] + self.k) / (total + self.k * len(self.vocabulary))

    def distribution(self, context: tuple[str, ...] | list[str]) -> torch.Tensor:
        """P(w | context) for every word w of the vocabulary, as a tensor that sums to 1."""
        if not self.vocabulary:
            raise ValueError("the model has not been fitted yet; call .fit(words) first")
        context = self._context(tuple(context))
        if context not in self._tensors:  # the followers as (ids, counts) tensors, made once
            followers = self.counts[context]
            self._tensors[context] = (
                torch.tensor([self.index[word] for word in followers], dtype=torch.long),
                torch.tensor(list(followers.values()), dtype=torch.float64))
        counts = torch.full((len(self.vocabulary),), float(self.k), dtype=torch.float64)
        counts.index_add_(0, *self._tensors[context])
        return counts / counts.sum()

    def cross_entropy(self, words: list[str]) -> float:
        """Mean -log P(word | previous words) in nats (inf if any word has probability 0)."""
        _check_words(words, "cross_entropy", "words_of(text)")
        if not words:
            raise ValueError("cross_entropy needs a non-empty list of words")
        padded = [START] * (self.n - 1) + list(words)
        total = 0.0
        for position in range(self.n - 1, len(padded)):
            p = self.probability(tuple(padded[position - self.n + 1:position]), padded[position])
            if p == 0.0:
                return math.inf
            total -= math.log(p)
        return total / len(words)

    def perplexity(self, words: list[str]) -> float:
        """exp(cross-entropy): the number of equally likely words the model hesitates between."""
        return math.exp(self.cross_entropy(words))

    def sample(self, prompt: list[str], num_words: int, generator: torch.Generator | None = None,
               ) -> list[str]:
        """Continue `prompt` (a list of words) by drawing each next word from the model's distribution."""
        _check_words(prompt, "sample", "words_of('to be') or ['to', 'be']")
        words = list(prompt)
        for _ in range(num_words):
            probabilities = self.distribution(tuple([START] * (self.n - 1) + words)[-(self.n - 1):]
                                              if self.n > 1 else ())
            choice = torch.multinomial(probabilities, 1, generator=generator).item()
            words.append(self.vocabulary[choice])
        return words

    def next_word_probabilities(self, prompt: str, top: int = 10) -> list[tuple[str, float]]:
        """The `top` most likely next words after a typed prompt, with their probabilities."""
        words = words_of(prompt)
        if not any(w in self.index and w != UNKNOWN for w in words):
            raise ValueError(f"none of the words in {prompt!r} is in the model's vocabulary "
                             f"of {len(self.vocabulary)} words; type a few common words such as "
                             "'the king'")
        probabilities = self.distribution(tuple([START] * (self.n - 1) + words))
        values, indices = torch.sort(probabilities, descending=True, stable=True)  # ties: a-z
        values, indices = values[:top], indices[:top]
        return [(self.vocabulary[i], float(v)) for v, i in zip(values.tolist(), indices.tolist())]


def seen_ngram_fraction(words: list[str], reference: list[str], n: int = 4) -> float:
    """Share of the n-word sequences of `words` that occur somewhere in `reference`: how much
    of a generated text is copied from the training text."""
    _check_words(words, "seen_ngram_fraction", "a sampled list of words")
    grams = list(zip(*(words[i:] for i in range(n))))
    if not grams:
        raise ValueError(f"need at least n = {n} words, got {len(words)}")
    wanted = set(grams)
    found = {gram for gram in zip(*(reference[i:] for i in range(n))) if gram in wanted}
    return sum(gram in found for gram in grams) / len(grams)


def distinct_ngram_fraction(words: list[str], n: int = 3) -> float:
    """Unique n-word sequences / all n-word sequences of `words`: 1.0 when nothing repeats, low
    when a text goes round in a loop (how repetitive a sample is; "distinct-n", Li et al. 2016)."""
    _check_words(words, "distinct_ngram_fraction", "a sampled list of words")
    grams = list(zip(*(words[i:] for i in range(n))))
    if not grams:
        raise ValueError(f"need at least n = {n} words, got {len(words)}")
    return len(set(grams)) / len(grams)


def word_ids(model: NGramModel, words: list[str]) -> torch.Tensor:
    """The ids of `words` in the model's vocabulary; rare and new words get the id of <unk>."""
    _check_words(words, "word_ids", "words_of(text)")
    unknown = model.index[UNKNOWN]
    return torch.tensor([model.index.get(word, unknown) for word in words], dtype=torch.long)


def pair_counts(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """(V, V) float tensor: counts[i, j] = how often word j follows word i in the id sequence."""
    flat = torch.zeros(vocab_size * vocab_size)
    flat.index_add_(0, ids[:-1] * vocab_size + ids[1:], torch.ones(len(ids) - 1))
    return flat.view(vocab_size, vocab_size)


def table_cross_entropy(logits: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy, in nats, of a (V, V) table of next-word logits over counted pairs:
    -sum_ij counts[i, j] · log softmax(logits[i])[j] / number of pairs. Differentiable."""
    return -(counts * F.log_softmax(logits, dim=-1)).sum() / counts.sum()


def counted_cross_entropy(counts: torch.Tensor) -> float:
    """Cross-entropy of the counted bigram P(j | i) = counts[i, j] / counts[i].sum() on the very
    pairs it was counted from: the lowest any bigram can reach on them."""
    counts = counts.double()
    probabilities = counts / counts.sum(dim=-1, keepdim=True).clamp(min=1)
    return -(torch.special.xlogy(counts, probabilities).sum() / counts.sum()).item()


class NeuralBigram(nn.Module):
    """A bigram that learns: row i of an nn.Embedding(V, V) holds the logits of the word after word i.

    Starts at zeros: every next word equally likely (cross-entropy log V, perplexity V).
    """

    def __init__(self, vocab_size: int):
        super().__init__()
        self.logits_table = nn.Embedding(vocab_size, vocab_size)
        nn.init.zeros_(self.logits_table.weight)

    def forward(self, previous_ids: torch.Tensor) -> torch.Tensor:
        return self.logits_table(previous_ids)  # (..., V) logits of the next word


def train_neural_bigram(train_counts: torch.Tensor, steps: int = 150, learning_rate: float = 0.5,
                        val_counts: torch.Tensor | None = None, progress: bool = False) -> dict:
    """Full-batch Adam on the cross-entropy over every counted training pair.

    Returns {"model", "train_perplexity", "val_perplexity"}: one value before each step and one
    after the last (val_perplexity is empty without `val_counts`).
    """
    if steps < 1 or learning_rate <= 0:
        raise ValueError(f"need steps >= 1 and learning_rate > 0, got {steps} and {learning_rate}")
    vocab_size = train_counts.shape[0]
    model = NeuralBigram(vocab_size)
    every_word = torch.arange(vocab_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    history: dict[str, list[float]] = {"train_perplexity": [], "val_perplexity": []}

    def record(train_loss: torch.Tensor) -> None:
        history["train_perplexity"].append(math.exp(train_loss.item()))
        if val_counts is not None:
            with torch.no_grad():
                val_loss = table_cross_entropy(model(every_word), val_counts)
            history["val_perplexity"].append(math.exp(val_loss.item()))

    with one_thread():  # memory-bound steps: more threads only contend, most on a busy CPU
        for _ in trange(steps, disable=not progress, desc="training", leave=False):
            loss = table_cross_entropy(model(every_word), train_counts)
            record(loss)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            record(table_cross_entropy(model(every_word), train_counts))
    model.zero_grad(set_to_none=True)  # the trained table only: no V x V gradient kept alive
    return {"model": model, **history}
