"""Native-format multiple choice (notebook 12, issue 16): questions the pretraining text answers
in its own format, so a base model can be measured before it has learned any question format.

An item is a context cut from one scene of one split, written as the model read it in
pretraining ("SPEAKER:\\nline\\nline\\n\\n", data.format_passages), and four continuations, one of
them the text's own. Score: the summed log-likelihood of each continuation after the context
(lm-evaluation-harness `acc`, as for HellaSwag; "per_char" is its `acc_norm`), prediction = argmax.
- word_order: which of four versions of a line is the original; the other three each swap one
  pair of adjacent words (never the first word, whose capital letter would give the swap away).
- next_speaker: which speaker heading comes next; the others speak in the same scene, drawn in
  proportion to their speeches there as the true one is, so a bias for frequent (short) names fails.
- next_line: the true next line among four; the others come from other scenes of the same split,
  of about the same length (within 10% of its characters).
- last_word: the last word of a line; the others are lower-case words next to it in the
  training split's frequency ranking (10 ranks either side), or the common word would win.
Every option ends its line with the line break and starts exactly where the context ends: after
a line break, or (last_word) with the space before the word. A byte-level BPE never merges across
that cut, so context + option tokenizes as the context, then the option.
Chance is 1 in 4 for a guess; the control is the untrained model, which is not quite a guess: on
word_order each distractor is one swap away from the original, so random preferences pick the
original less often (1 in 8 if the three swaps' effects were independent). The same generator runs
on "train" and on "test" scenes: the gap is memorisation.
"""
from __future__ import annotations

import random
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Sequence

from .benchmarks import MultipleChoiceItem, continuation_log_likelihoods, predict_choice
from .data import SPLITS, corpus_text, format_passages, passages_for
from .stats import accuracy_with_interval, wilson_interval  # wilson_interval: re-exported
from .word_order import adjacent_swaps

ITEM_TYPES = ("word_order", "next_speaker", "next_line", "last_word")
NORMALISATIONS = ("sum", "per_token", "per_char")
MAX_ITEM_CHARS = 208  # context + longest option: at most ~122 tokens of the 1,024-token BPE
LENGTH_TOLERANCE = 0.1  # next_line: distractors within 10% (at least 2 characters) of the length
FREQUENCY_RANKS = 10  # last_word: distractors within this many frequency ranks of the word
_LAST_WORD = re.compile(r"(.*\S) ([a-z]+(?:'[a-z]+)*)([.,;:!?]*)")  # rest, last word, its marks
_LOWER_CASE_WORD = re.compile(r"(?<![\w'])[a-z]+(?:'[a-z]+)*(?![\w'])")


@dataclass(frozen=True)
class NativeChoiceItem(MultipleChoiceItem):
    """A MultipleChoiceItem with subject = the item type, question = the context and choices =
    the continuations, plus the scene it was cut from."""

    scene_id: str = ""

    @property
    def item_type(self) -> str:
        return self.subject

    @property
    def context(self) -> str:
        return self.question


class _Scene(NamedTuple):
    scene_id: str
    lines: tuple[str, ...]  # the scene's text split at line breaks: headings, lines, blanks
    spoken: tuple[bool, ...]  # True where lines[i] is a line of a speech
    speeches: tuple[tuple[str, int], ...]  # (speaker, speeches in the scene), by name


@lru_cache(maxsize=len(SPLITS))
def _scenes(split: str) -> tuple[_Scene, ...]:
    by_scene: dict[str, list] = {}
    for passage in passages_for(split):
        by_scene.setdefault(passage.scene_id, []).append(passage)
    scenes = []
    for scene_id, passages in by_scene.items():
        lines, spoken = [], []
        for passage in passages:  # "SPEAKER:", its lines, one blank: exactly the pretraining text
            chunk = format_passages([passage]).split("\n")[:-1]
            lines += chunk
            spoken += [False] + [True] * (len(chunk) - 2) + [False]
        speeches = tuple(sorted(Counter(p.speaker for p in passages).items()))
        scenes.append(_Scene(scene_id, tuple(lines), tuple(spoken), speeches))
    return tuple(scenes)


@lru_cache(maxsize=len(SPLITS))
def _lines_by_length(split: str) -> tuple[list[int], list[tuple[str, str]]]:
    """Every spoken line of a split as (text, scene_id), sorted by length, and the lengths."""
    lines = sorted(((line, scene.scene_id) for scene in _scenes(split)
                    for line, is_spoken in zip(scene.lines, scene.spoken) if is_spoken), key=lambda l: len(l[0]))
    return [len(text) for text, _ in lines], lines


@lru_cache(maxsize=1)
def _frequency_ranking() -> tuple[list[str], dict[str, int]]:
    """Lower-case words of the training split, most frequent first (ties in a fixed random order)."""
    counts = Counter(_LOWER_CASE_WORD.findall(corpus_text("train")))
    words = sorted(counts)
    random.Random(0).shuffle(words)
    words.sort(key=lambda w: -counts[w])  # stable: equal counts keep the shuffled order
    return words, {w: rank for rank, w in enumerate(words)}


def _context(lines: Sequence[str], end: int, max_chars: int) -> str | None:
    """The whole lines before lines[end] that fit in max_chars, not starting on a blank line."""
    start, used = end, 0
    while start > 0 and used + len(lines[start - 1]) + 1 <= max_chars:
        start -= 1
        used += len(lines[start]) + 1
    while start < end and not lines[start]:
        start += 1
    return "\n".join(lines[start:end]) + "\n" if start < end else None


# Each maker returns (prefix, right option, three wrong ones) for lines[i], or None; the context
# is the whole lines before lines[i] followed by the prefix (the start of the line, or nothing).

def _word_order(scene: _Scene, i: int, rng: random.Random, split: str):
    words = scene.lines[i].split()
    if not scene.spoken[i] or len(words) < 5 or " ".join(words) != scene.lines[i]:
        return None
    versions = adjacent_swaps(scene.lines[i])
    if len(versions) < 3:
        return None
    return "", scene.lines[i] + "\n", [v + "\n" for v in rng.sample(versions, 3)]


def _next_speaker(scene: _Scene, i: int, rng: random.Random, split: str):
    heading = scene.lines[i]
    others = [(f"{s}:\n", n) for s, n in scene.speeches if f"{s}:" != heading]
    if i == 0 or scene.spoken[i] or not heading or len(others) < 3:
        return None
    picked = []
    while len(picked) < 3:  # three without replacement, each in proportion to its speeches
        pick = rng.choices(others, weights=[n for _, n in others])[0]
        others.remove(pick)
        picked.append(pick[0])
    return "", heading + "\n", picked


def _next_line(scene: _Scene, i: int, rng: random.Random, split: str):
    line = scene.lines[i]
    if not scene.spoken[i]:
        return None
    lengths, lines = _lines_by_length(split)
    tolerance = max(2, round(LENGTH_TOLERANCE * len(line)))
    low, high = bisect_left(lengths, len(line) - tolerance), bisect_right(lengths, len(line) + tolerance)
    picked: list[str] = []
    for _ in range(200):  # draw until three distinct lines of other scenes
        text, scene_id = lines[rng.randrange(low, high)]
        if scene_id != scene.scene_id and text != line and text not in picked:
            picked.append(text)
        if len(picked) == 3:
            return "", line + "\n", [p + "\n" for p in picked]
    return None


def _last_word(scene: _Scene, i: int, rng: random.Random, split: str):
    match = _LAST_WORD.fullmatch(scene.lines[i])
    ranking, rank = _frequency_ranking()
    if not scene.spoken[i] or match is None or match.group(2) not in rank:
        return None
    rest, word, marks = match.groups()
    r = rank[word]
    neighbours = [w for w in ranking[max(0, r - FREQUENCY_RANKS):r + FREQUENCY_RANKS + 1] if w != word]
    return rest, f" {word}{marks}\n", [f" {w}{marks}\n" for w in rng.sample(neighbours, 3)]


_MAKERS = {"word_order": _word_order, "next_speaker": _next_speaker, "next_line": _next_line,
           "last_word": _last_word}


def native_items(item_type: str, split: str = "test", count: int = 200, seed: int = 0,
                 max_chars: int = MAX_ITEM_CHARS) -> list[NativeChoiceItem]:
    """`count` four-option items of one type from the scenes of one split (the same for a seed);
    the context and the longest option together have at most max_chars characters."""
    if item_type not in _MAKERS:
        raise ValueError(f"unknown item type {item_type!r}; choose one of {ITEM_TYPES}")
    if max_chars < 160:
        raise ValueError(f"max_chars={max_chars} cannot hold a line and its context; use >= 160")
    rng = random.Random(f"{item_type}:{seed}")
    scenes = _scenes(split)
    positions = [(s, i) for s, scene in enumerate(scenes) for i in range(len(scene.lines))]
    rng.shuffle(positions)
    items, seen = [], set()
    for s, i in positions:
        made = _MAKERS[item_type](scenes[s], i, rng, split)
        if made is None:
            continue
        prefix, right, wrong = made
        before = _context(scenes[s].lines, i, max_chars - len(prefix) - max(map(len, [right, *wrong])))
        if before is None or (before + prefix, right) in seen:
            continue
        seen.add((before + prefix, right))
        choices = [right, *wrong]
        rng.shuffle(choices)
        items.append(NativeChoiceItem(item_type, before + prefix, tuple(choices), choices.index(right),
                                      scenes[s].scene_id))
        if len(items) == count:
            return items
    raise ValueError(f"only {len(items)} {item_type} items in the {split} split; ask for fewer")


def native_benchmark(split: str = "test", per_type: int = 200, seed: int = 0,
                     types: Sequence[str] = ITEM_TYPES) -> list[NativeChoiceItem]:
    """per_type items of every type, type after type."""
    return [item for item_type in types for item in native_items(item_type, split, per_type, seed)]


def longest_item_tokens(items: Sequence[MultipleChoiceItem], tokenizer) -> int:
    """The most tokens any context + option needs: at most block_size + 1 to be scored whole."""
    return max(len(tokenizer.encode(item.question + choice)) for item in items for choice in item.choices)


def option_scores(model, tokenizer, item: MultipleChoiceItem, normalise: str = "sum") -> list[float]:
    """log P(option | context) per option: summed, or divided by its tokens or its characters."""
    if normalise not in NORMALISATIONS:
        raise ValueError(f"normalise must be one of {NORMALISATIONS}, got {normalise!r}")
    scores = continuation_log_likelihoods(model, tokenizer, item.question, item.choices)
    if normalise == "per_char":
        return [s / len(c) for s, c in zip(scores, item.choices)]
    if normalise == "per_token":
        context_tokens = len(tokenizer.encode(item.question))
        return [s / max(1, len(tokenizer.encode(item.question + c)) - context_tokens)
                for s, c in zip(scores, item.choices)]
    return scores


def predict_items(model, tokenizer, items: Sequence[MultipleChoiceItem], normalise: str = "sum") -> list[int]:
    """The predicted option of every item: the most likely continuation (argmax)."""
    return [predict_choice(option_scores(model, tokenizer, item, normalise)) for item in items]


def accuracy_by_type(items: Sequence[MultipleChoiceItem], predictions: Sequence[int]) -> dict[str, dict]:
    """{type: {correct, total, accuracy, low, high}} in first-seen order, then "all" pooled."""
    if len(items) != len(predictions) or not items:
        raise ValueError(f"need one prediction per item and at least one item, got {len(items)} items "
                         f"and {len(predictions)} predictions")
    groups: dict[str, list[bool]] = {}
    for item, prediction in zip(items, predictions):
        groups.setdefault(item.subject, []).append(prediction == item.answer)
    groups["all"] = [c for outcomes in list(groups.values()) for c in outcomes]
    return {name: accuracy_with_interval(sum(outcomes), len(outcomes)) for name, outcomes in groups.items()}


def evaluate_items(model, tokenizer, items: Sequence[MultipleChoiceItem], normalise: str = "sum") -> dict[str, dict]:
    """Accuracy per item type (and pooled) with 95% Wilson intervals."""
    return accuracy_by_type(items, predict_items(model, tokenizer, items, normalise))


def contamination_gap(model, tokenizer, item_type: str = "word_order", count: int = 200, seed: int = 0,
                      normalise: str = "sum") -> dict:
    """One generator on training scenes and on test scenes: {"train", "test", "gap"}; the gap
    (train accuracy - test accuracy) is what the model memorised rather than learned."""
    rows = {split: evaluate_items(model, tokenizer, native_items(item_type, split, count, seed),
                                  normalise)[item_type] for split in ("train", "test")}
    return {**rows, "gap": rows["train"]["accuracy"] - rows["test"]["accuracy"]}


__all__ = ["ITEM_TYPES", "NORMALISATIONS", "NativeChoiceItem", "native_items", "native_benchmark",
           "longest_item_tokens", "option_scores", "predict_items", "wilson_interval", "accuracy_by_type",
           "evaluate_items", "contamination_gap"]
