"""Genre measured as genre (workshop_utils/genres.py, issue 15): whole plays held out per genre,
so no test play gives a single training passage, and the speakers' names masked."""
import re

import pytest

from workshop_utils.data import load_corpus
from workshop_utils.genres import (GENRES, LABELS, NAME_TOKEN, genre_examples, genre_play_split, replace_names,
                                   speaker_names)

SPLITS = ("train", "val", "test")


@pytest.fixture(scope="module")
def by_play():
    return {split: genre_examples(split, hold_out="plays") for split in SPLITS}


def genre_of_play():
    return {p.play: p.genre for p in load_corpus() if p.genre in GENRES}


def test_the_play_split_holds_out_two_test_plays_and_one_validation_play_per_genre():
    split, genres = genre_play_split(), genre_of_play()
    assert set(split) == set(genres)
    for genre in GENRES:
        sides = [split[play] for play in genres if genres[play] == genre]
        assert (sides.count("test"), sides.count("val")) == (2, 1) and sides.count("train") >= 3
    assert genre_play_split() == split and genre_play_split(seed=1) != split
    assert list(genre_play_split(1, 0).values()).count("test") == 3
    with pytest.raises(ValueError, match="every genre needs a training play"):
        genre_play_split(test_per_genre=5, val_per_genre=1)  # 6 tragedies in all


def test_no_held_out_play_leaks_into_training(by_play):
    plays = {split: {e.play for e in examples} for split, examples in by_play.items()}
    assert not plays["train"] & plays["test"] and not plays["train"] & plays["val"] and not plays["val"] & plays["test"]
    split, genres = genre_play_split(), genre_of_play()
    label_of = {"comedies": "comedy", "tragedies": "tragedy", "histories": "history"}
    for name, examples in by_play.items():
        assert plays[name] == {play for play, side in split.items() if side == name}  # every play of its side
        counts = [sum(e.label == label for e in examples) for label in range(len(LABELS))]
        assert len(set(counts)) == 1 and counts[0] > 100
        assert all(LABELS[e.label] == label_of[genres[e.play]] for e in examples)
    scene_split = {s: {e.play for e in genre_examples(s)} for s in ("train", "test")}
    assert scene_split["train"] & scene_split["test"]  # what the default split cannot promise


def test_speaker_names_are_the_heading_words_never_written_in_lower_case():
    names = speaker_names("Macbeth")
    assert {"Macbeth", "Banquo", "Macduff", "Duncan"} <= set(names)
    assert not {"Lady", "Witch", "First", "Porter"} & set(names)  # ordinary words stay
    assert "Henry" in speaker_names("Henry IV, Part I") and "Iv" not in speaker_names("Henry IV, Part I")
    assert "Bottom" not in speaker_names("A Midsummer Night's Dream")  # a name that is also a word


def test_replace_names_replaces_whole_names_in_title_case_and_capitals():
    text = "MACBETH:\nMacbeth's wife and Banquo, the Macbethians; king Duncan.\nmacbeth"
    assert replace_names(text, ("Banquo", "Duncan", "Macbeth")) == \
        "NAME:\nNAME's wife and NAME, the Macbethians; king NAME.\nmacbeth"
    assert replace_names(text, ()) == text


def test_masked_passages_are_the_same_passages_without_their_play_s_names(by_play):
    masked = genre_examples("test", hold_out="plays", mask_names=True)
    assert [(e.play, e.scene_id, e.label) for e in masked] == [(e.play, e.scene_id, e.label) for e in by_play["test"]]
    assert sum(NAME_TOKEN in e.text for e in masked) > 0.1 * len(masked)
    def names_in(example):
        names = set(speaker_names(example.play))
        return set(re.findall(r"[^\W\d_]+", example.text)) & (names | {n.upper() for n in names})

    assert not any(names_in(example) for example in masked)
    unmasked = [e for e in by_play["test"] if names_in(e)]
    assert len(unmasked) > 0.1 * len(masked)  # the names were there to mask


def test_a_bad_hold_out_says_what_to_choose():
    with pytest.raises(ValueError, match="hold_out must be one of"):
        genre_examples("test", hold_out="acts")
