"""The slides' numbers and the bytes-per-parameter arithmetic."""
import pytest

from workshop_utils import llm_facts as F


def test_slide_numbers():
    assert F.DATASETS["CommonCrawl"] == {"tokens": 410e9, "bytes": 3.3e12}
    assert F.DATASETS["Wikipedia"] == {"tokens": 3e9, "bytes": 83e9}
    assert F.SLIDE_TRAINING_TOKENS == {"GPT-3": 499e9, "Llama 2": 2e12, "Llama 3": 15e12}
    assert F.TRAINING_TOKENS == {"GPT-3": 300e9, "Llama 2": 2e12, "Llama 3": 15e12}  # GPT-3 corrected
    assert F.MODELS["GPT-3"]["parameters"] == 175e9
    assert F.MODELS["Llama 3"]["parameters"] == 405e9


def test_history_is_in_order_from_the_1950s_to_today():
    starts = [era[0] for era in F.HISTORY]
    assert starts == sorted(starts) and starts[0] == 1950
    assert F.HISTORY[-1][1] is None and F.HISTORY[-1][2] == "2023 - present"
    assert F.HISTORY[0][2] == "1950s - 2000s"


def test_parameter_bytes():
    assert F.parameter_bytes(175e9, 16) == 350e9  # GPT-3 at 16-bit = the slide's 350 GB
    assert F.parameter_bytes(405e9, 16) == 810e9  # Llama 3: not the slide's 2 TB
    assert F.parameter_bytes(1000, 4) == 500
    for bad in ((-1, 16), (10, 0), (10, 2.5)):
        with pytest.raises(ValueError):
            F.parameter_bytes(*bad)


def test_human_readable_units():
    assert F.human_bytes(350e9) == "350 GB"
    assert F.human_bytes(3.3e12) == "3.3 TB"
    assert F.human_bytes(12) == "12 B"
    assert F.human_count(499e9) == "499B"
    assert F.human_count(15e12) == "15T"
    assert F.human_count(1_234_567) == "1.23M"


def test_gpt3_mix_holds_499b_tokens_but_training_read_about_300b():
    assert F.mix_tokens() == pytest.approx(499e9)  # the slide's "499B", Table 2.2's total
    assert F.mix_tokens() == F.SLIDE_TRAINING_TOKENS["GPT-3"]
    assert 285e9 < F.tokens_seen() < 310e9  # tokens x epochs: 292B, the paper's "300B" rounded
    assert sum(source["weight"] for source in F.GPT3_TRAINING_MIX) == pytest.approx(1.01)  # as printed
    assert {s["name"]: s["tokens"] for s in F.GPT3_TRAINING_MIX}["Wikipedia"] == F.DATASETS["Wikipedia"]["tokens"]
    assert F.TRAINING_TOKENS["Llama 3"] / F.TRAINING_TOKENS["GPT-3"] == 50  # not 30 as 15T / 499B


def test_tokens_seen_multiplies_each_source_by_its_epochs():
    mix = [{"name": "a", "tokens": 10, "epochs": 2}, {"name": "b", "tokens": 100, "epochs": 0.5}]
    assert F.mix_tokens(mix) == 110 and F.tokens_seen(mix) == 70
    assert F.tokens_seen([]) == 0
    with pytest.raises(ValueError):
        F.tokens_seen([{"name": "bad", "tokens": 1, "epochs": -1}])


def test_the_papers_disk_size_disagrees_with_the_slides():
    paper = F.PAPER_BYTES["CommonCrawl"] / F.DATASETS["CommonCrawl"]["tokens"]
    slide = F.DATASETS["CommonCrawl"]["bytes"] / F.DATASETS["CommonCrawl"]["tokens"]
    assert paper == pytest.approx(1.39, abs=0.01) and slide == pytest.approx(8.05, abs=0.01)
    assert F.CHINCHILLA["tokens"] / F.CHINCHILLA["parameters"] == 20
