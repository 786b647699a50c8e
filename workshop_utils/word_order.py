"""The word-order task of notebook 09 (issue 15): is this line as it was written, or the same words
in another order? Counting words cannot tell; a model that learned grammar can.

Every example is one spoken line of one split's scenes (5 words or more). Each chosen line gives
a pair: label 1 = the line as written, label 0 = the same words reordered, so the two texts of a
pair hold exactly the same words and a bag of words scores exactly 50% (tests/test_word_order.py
proves it for classifier.BagOfWords). Both texts of a pair come from the same scene, so they are
always on the same side of a split (data.split_of): a model never trains on a line whose other
version it is tested on.
- kind="swap": one adjacent pair of words swapped, never the first word (its capital letter
  would give the swap away), and only where the two words differ, so the text changes. The hard
  task: a single local slip.
- kind="shuffle": every word but the first in a new random order, distinct from the original.
  The first word stays in place for the same reason: otherwise a lower-case first word alone
  gives the answer. The easy task: the grammar is broken everywhere.
A word is a run of characters between spaces, so its punctuation moves with it ("be," stays "be,").
Both kinds take the same lines for a split and seed. A val or test line that also stands in a
training scene (a refrain, "I do beseech your majesty") is left out: the base read it in pretraining.

Zero-shot, without fine-tuning: the model prefers the original when its summed log-likelihood
(benchmarks.continuation_log_likelihoods) is higher. Both versions follow the prefix "\\n" and
end with "\\n": a line starts after a line break and ends with one in the pretraining text
(data.format_passages), and the same short prefix for both versions leaves only the line itself
to judge, with no help from the speech around it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .benchmarks import continuation_log_likelihoods
from .data import passages_for

KINDS = ("swap", "shuffle")
LABELS = ("reordered", "as written")  # label 0, label 1
MIN_WORDS = 5
PREFIX = "\n"  # what both versions of a line follow when a language model scores them
_MARKUP = set("*_[]\\")  # leftovers of the plays' markdown: such a line is not taken


@dataclass(frozen=True)
class OrderExample:
    """One text of a pair, shaped like genres.GenreExample (text, label, play, scene_id), so
    genre_tensors, visible_text, BagOfWords and train_classifier take it unchanged."""

    text: str  # one line, as written (label 1) or reordered (label 0)
    label: int  # index into LABELS
    play: str
    scene_id: str
    pair: int  # both versions of a line share it


def adjacent_swaps(line: str) -> list[str]:
    """Every distinct version of `line` with one adjacent pair of words swapped, never the first
    word, and different from the line (swapping two equal words changes nothing)."""
    words = line.split()
    versions = []
    for j in range(1, len(words) - 1):  # swap words j and j + 1
        version = " ".join(words[:j] + [words[j + 1], words[j]] + words[j + 2:])
        if version != line and version not in versions:
            versions.append(version)
    return versions


def shuffled_words(line: str, rng: random.Random) -> str | None:
    """`line` with every word but the first in a random order that differs from it; None when no
    order does (all the words after the first are the same)."""
    first, *rest = line.split()
    if len(set(rest)) < 2:
        return None
    while True:
        rng.shuffle(rest)
        version = " ".join([first, *rest])
        if version != line:
            return version


@lru_cache(maxsize=3)
def _lines(split: str) -> tuple[tuple[str, str, str], ...]:
    """(line, play, scene_id) for every distinct usable line of a split, first occurrence kept."""
    seen = set() if split == "train" else {line for line, _, _ in _lines("train")}
    lines = []
    for passage in passages_for(split):
        for line in passage.text.split("\n"):
            words = line.split()
            if (len(words) >= MIN_WORDS and " ".join(words) == line and not _MARKUP & set(line)
                    and len(set(words[1:])) > 1 and line not in seen):
                seen.add(line)
                lines.append((line, passage.play, passage.scene_id))
    return tuple(lines)


def order_examples(split: str, count: int, seed: int = 0, kind: str = "swap") -> list[OrderExample]:
    """2 * count examples: `count` lines of one split's scenes, each as written (label 1) and
    reordered (label 0), the two side by side in a random order. The same for a seed."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if count < 1:
        raise ValueError(f"count must be at least 1 (pairs of texts), got {count}")
    lines = list(_lines(split))  # passages_for checks the split's name
    if count > len(lines):
        raise ValueError(f"only {len(lines)} usable lines in the {split} split; ask for fewer")
    random.Random(f"order-lines:{seed}").shuffle(lines)  # the same lines for both kinds
    rng = random.Random(f"order-{kind}:{seed}")
    examples = []
    for pair, (line, play, scene_id) in enumerate(lines[:count]):
        reordered = rng.choice(adjacent_swaps(line)) if kind == "swap" else shuffled_words(line, rng)
        both = [OrderExample(line, 1, play, scene_id, pair), OrderExample(reordered, 0, play, scene_id, pair)]
        rng.shuffle(both)
        examples += both
    return examples


def order_pairs(examples: Sequence[OrderExample]) -> list[tuple[OrderExample, OrderExample]]:
    """(as written, reordered) for every pair, in first-seen order; every pair must be complete."""
    by_pair: dict[int, dict[int, OrderExample]] = {}
    for example in examples:
        by_pair.setdefault(example.pair, {})[example.label] = example
    incomplete = [pair for pair, texts in by_pair.items() if set(texts) != {0, 1}]
    if incomplete or len(examples) != 2 * len(by_pair):
        raise ValueError(f"every pair needs its two texts once each (label 1 and label 0); pairs "
                         f"{incomplete[:5]} are not; keep order_examples' pairs whole")
    return [(texts[1], texts[0]) for texts in by_pair.values()]


def order_preferences(model, tokenizer, examples: Sequence[OrderExample], prefix: str = PREFIX) -> list[bool]:
    """For every pair: does the model give the line as written a higher summed log-likelihood
    (after `prefix`, each version ending with a line break) than its reordered version?"""
    preferences = []
    for original, reordered in order_pairs(examples):
        scores = continuation_log_likelihoods(model, tokenizer, prefix, [original.text + "\n", reordered.text + "\n"])
        preferences.append(scores[0] > scores[1])
    return preferences


def zero_shot_order_accuracy(model, tokenizer, examples: Sequence[OrderExample], prefix: str = PREFIX) -> float:
    """The share of pairs whose original line the model finds more likely than its reordered one
    (for an interval: stats.accuracy_with_interval(sum(p), len(p)) of order_preferences)."""
    preferences = order_preferences(model, tokenizer, examples, prefix)
    return sum(preferences) / len(preferences)
