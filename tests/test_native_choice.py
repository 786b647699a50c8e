"""Native-format multiple choice (workshop_utils/native_choice.py): items cut from one split's
scenes in the pretraining format, and their scoring by log-likelihood, checked exactly."""
import dataclasses
import math
import re

import pytest
import torch

from workshop_utils import native_choice as nc
from workshop_utils.data import format_passages, passages_for, split_of
from workshop_utils.paths import DATA_DIR
from workshop_utils.text import load_bpe

PER_TYPE = 25


@pytest.fixture(scope="module")
def test_items():
    return nc.native_benchmark("test", per_type=PER_TYPE, seed=0)


def scene_texts(split):
    texts = {}
    for passage in passages_for(split):
        texts[passage.scene_id] = texts.get(passage.scene_id, "") + format_passages([passage])
    return texts


def right(item):
    return item.choices[item.answer]


def test_items_are_the_same_for_a_seed_and_differ_across_seeds():
    for item_type in nc.ITEM_TYPES:
        first = nc.native_items(item_type, "test", 10, seed=1)
        assert first == nc.native_items(item_type, "test", 10, seed=1)
        assert first != nc.native_items(item_type, "test", 10, seed=2)


def test_four_distinct_one_line_options_that_start_where_the_context_ends(test_items):
    assert [i.item_type for i in test_items] == [t for t in nc.ITEM_TYPES for _ in range(PER_TYPE)]
    assert len({(i.item_type, i.context, right(i)) for i in test_items}) == len(test_items)  # none twice
    for item in test_items:
        assert len(item.choices) == 4 and len(set(item.choices)) == 4 and 0 <= item.answer < 4
        assert all(c.endswith("\n") and c.count("\n") == 1 for c in item.choices)
        if item.item_type == "last_word":  # the context stops after a word, the option is " word"
            assert not item.context[-1].isspace() and all(re.fullmatch(r" [a-z']+[.,;:!?]*\n", c)
                                                          for c in item.choices)
        else:  # the context stops after a line break, the option starts on a visible character
            assert item.context.endswith("\n") and all(not c[0].isspace() for c in item.choices)
        assert len(item.context) + max(map(len, item.choices)) <= nc.MAX_ITEM_CHARS


def test_split_separation_every_test_item_is_cut_from_its_own_test_scene(test_items):
    texts = scene_texts("test")
    test_lines = {line for text in texts.values() for line in text.split("\n")}
    for item in test_items:
        assert split_of(item.scene_id) == "test"
        assert item.context + right(item) in texts[item.scene_id]  # the text's own continuation
        if item.item_type == "next_line":  # distractors: lines of other test scenes
            for choice in item.choices:
                assert choice[:-1] in test_lines
                if choice != right(item):
                    assert item.context + choice not in texts[item.scene_id]
    train_items = nc.native_items("next_line", "train", 10, seed=0)
    assert {split_of(i.scene_id) for i in train_items} == {"train"}


def test_each_item_type_builds_its_distractors_as_promised(test_items):
    ranking, rank = nc._frequency_ranking()
    by_scene = {}
    for passage in passages_for("test"):
        by_scene.setdefault(passage.scene_id, set()).add(f"{passage.speaker}:\n")
    for item in test_items:
        wrong = [c for k, c in enumerate(item.choices) if k != item.answer]
        if item.item_type == "word_order":  # one adjacent pair swapped, never the first word
            words = right(item).split()
            for choice in wrong:
                differ = [k for k, (a, b) in enumerate(zip(words, choice.split())) if a != b]
                assert len(differ) == 2 and differ[1] == differ[0] + 1 and differ[0] >= 1
                j = differ[0]
                assert choice.split()[j:j + 2] == [words[j + 1], words[j]]
        elif item.item_type == "next_speaker":  # speakers of the same scene
            assert set(item.choices) <= by_scene[item.scene_id]
        elif item.item_type == "next_line":  # about the same length
            tolerance = max(2, round(nc.LENGTH_TOLERANCE * (len(right(item)) - 1)))
            assert all(abs(len(c) - len(right(item))) <= tolerance for c in wrong)
        else:  # last_word: the same marks, a word of about the same frequency
            marks = re.sub(r"[a-z' ]", "", right(item))
            assert all(re.sub(r"[a-z' ]", "", c) == marks for c in wrong)
            answer_rank = rank[right(item).strip(" .,;:!?\n")]
            for choice in wrong:
                assert abs(rank[choice.strip(" .,;:!?\n")] - answer_rank) <= nc.FREQUENCY_RANKS


def test_the_shipped_tokenizer_cuts_every_item_at_the_context_and_it_fits_128_tokens(test_items):
    tokenizer = load_bpe(DATA_DIR / "checkpoints" / "shakespeare-gpt" / "tokenizer.json")
    for item in test_items:
        context_ids = tokenizer.encode(item.context).ids
        for choice in item.choices:
            assert tokenizer.encode(item.context + choice).ids[:len(context_ids)] == context_ids
    assert nc.longest_item_tokens(test_items, tokenizer) <= 128 + 1


# --- scoring, with models whose answers are known ----------------------------------------------

class CharTokenizer:
    def __init__(self, texts):
        self.index = {c: i for i, c in enumerate(sorted(set("".join(texts))))}

    def encode(self, text):
        return [self.index[c] for c in text]


class OracleModel(torch.nn.Module):
    """Puts logit 10 on the next character of any text it was told, 0 everywhere else."""

    def __init__(self, tokenizer, texts, vocab_size):
        super().__init__()
        self.config = type("Config", (), {"block_size": 1024})()
        self.vocab_size, self.trie = vocab_size, {}  # token -> the trie of what may follow
        self.unused = torch.nn.Parameter(torch.zeros(1))
        for text in texts:
            node = self.trie
            for token in tokenizer.encode(text):
                node = node.setdefault(token, {})

    def forward(self, idx):
        known = []  # (row, position, next token) wherever the text so far is a told one
        for b, row in enumerate(idx.tolist()):
            node = self.trie
            for t, token in enumerate(row):
                node = node.get(token)
                if node is None:  # off every told text: nothing known from here on
                    break
                known += [(b, t, following) for following in node]
        logits = torch.zeros(*idx.shape, self.vocab_size)
        if known:
            logits[tuple(torch.tensor(known).T)] = 10.0
        return logits, None


def told(items, about=None):
    """A tokenizer for every item's text and a model told the right continuation of `about`."""
    texts = [i.context + c for i in items for c in i.choices]
    tokenizer = CharTokenizer(texts)
    told_texts = [i.context + right(i) for i in (items if about is None else about)]
    return OracleModel(tokenizer, told_texts, len(tokenizer.index)), tokenizer


@pytest.mark.parametrize("normalise", nc.NORMALISATIONS)
def test_a_model_told_the_answers_scores_100_percent_and_0_when_the_key_is_wrong(test_items, normalise):
    model, tokenizer = told(test_items)
    predictions = nc.predict_items(model, tokenizer, test_items, normalise)
    table = nc.accuracy_by_type(test_items, predictions)
    assert list(table) == [*nc.ITEM_TYPES, "all"]
    assert all(row["accuracy"] == 1.0 and row["total"] == PER_TYPE for t, row in table.items() if t != "all")
    assert table["all"]["correct"] == len(test_items)
    wrong_key = [dataclasses.replace(i, answer=(i.answer + 1) % 4) for i in test_items]
    assert nc.accuracy_by_type(wrong_key, predictions)["all"]["correct"] == 0


def test_summed_log_likelihood_of_a_uniform_model_prefers_the_shortest_option(test_items):
    items = [i for i in test_items if i.item_type == "next_speaker"]
    model, tokenizer = told(items, about=[])  # told nothing: every character costs log V
    shortest = [min(range(4), key=lambda k: len(i.choices[k])) for i in items]
    assert nc.predict_items(model, tokenizer, items, "sum") == shortest
    scores = nc.option_scores(model, tokenizer, items[0], "sum")
    assert scores == pytest.approx([-len(c) * math.log(len(tokenizer.index)) for c in items[0].choices])
    per_token = nc.option_scores(model, tokenizer, items[0], "per_token")
    assert per_token == pytest.approx([-math.log(len(tokenizer.index))] * 4)


def test_contamination_gap_is_train_minus_test_accuracy():
    train = nc.native_items("next_speaker", "train", 12, seed=0)
    model, tokenizer = told(train + nc.native_items("next_speaker", "test", 12, seed=0), about=train)
    result = nc.contamination_gap(model, tokenizer, "next_speaker", count=12, seed=0)
    assert result["train"]["accuracy"] == 1.0 and result["test"]["accuracy"] < 1.0
    assert result["gap"] == pytest.approx(1.0 - result["test"]["accuracy"])


def test_accuracy_table_per_type_and_pooled_with_intervals():  # the interval itself: tests/test_stats.py
    items = [nc.NativeChoiceItem(t, "c\n", ("a\n", "b\n"), 0) for t in ("x", "x", "x", "y")]
    table = nc.accuracy_by_type(items, [0, 0, 1, 1])
    assert (table["x"]["correct"], table["x"]["total"], table["y"]["accuracy"]) == (2, 3, 0.0)
    assert table["all"]["accuracy"] == 0.5 and table["all"]["low"] == pytest.approx(nc.wilson_interval(2, 4)[0])


def test_bad_requests_say_what_to_do():
    with pytest.raises(ValueError, match="choose one of"):
        nc.native_items("rhymes")
    with pytest.raises(ValueError, match="ask for fewer"):
        nc.native_items("next_speaker", "test", 10**6)
    with pytest.raises(ValueError, match="normalise must be one of"):
        nc.option_scores(None, None, nc.NativeChoiceItem("x", "c\n", ("a\n", "b\n"), 0), "mean")
