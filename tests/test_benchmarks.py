"""MMLU, AlpacaEval and Arena scoring against ../shared/SPECS.md values, plus bad input."""
import math

import pytest
import torch

from workshop_utils import benchmarks as bm
from workshop_utils import benchmark_data as bd


# --- MMLU ---------------------------------------------------------------------------------------

def test_mmlu_prompt_format_matches_hendrycks():
    shot = bm.MultipleChoiceItem("plays", "Q1?", ("a", "b", "c", "d"), 1)
    item = bm.MultipleChoiceItem("plays", "Q2?", ("e", "f", "g", "h"), 0)
    prompt = bm.format_mmlu_prompt(item, [shot])
    assert prompt == ("The following are multiple choice questions (with answers) about plays.\n\n"
                      "Q1?\nA. a\nB. b\nC. c\nD. d\nAnswer: B\n\n"
                      "Q2?\nA. e\nB. f\nC. g\nD. h\nAnswer:")
    assert bm.mmlu_header("high_school_biology").endswith("about high school biology.\n\n")


def test_mmlu_argmax_softmax_and_averages_spec_values():
    loglik = [-2.3, -0.7, -1.9, -3.0]
    assert bm.LETTERS[bm.predict_choice(loglik)] == "B"
    assert bm.choice_probabilities(loglik) == pytest.approx([0.125922, 0.623694, 0.187853, 0.062531], abs=1e-6)
    micro, macro = bm.micro_macro_accuracy({"s1": [1, 1, 0, 0], "s2": [1] * 9 + [0]})
    assert micro == pytest.approx(0.785714, abs=1e-6) and macro == pytest.approx(0.7)


def test_mmlu_bad_items():
    with pytest.raises(ValueError, match="answer must index"):
        bm.MultipleChoiceItem("s", "q", ("a", "b"), 2)
    with pytest.raises(ValueError, match="at least one scored"):
        bm.micro_macro_accuracy({"s": []})


class _CharTokenizer:
    def encode(self, text):
        return [ord(c) % 64 for c in text]


class _FixedModel(torch.nn.Module):
    """Predicts token 33 ("A" is 65 % 64 = 1, "B" is 2) with a bias: prefers "B" after anything."""
    def __init__(self):
        super().__init__()
        self.config = type("C", (), {"block_size": 512})()
        self.bias = torch.nn.Parameter(torch.zeros(64))
        with torch.no_grad():
            self.bias[2] = 5.0

    def forward(self, idx):
        return self.bias.expand(idx.size(0), idx.size(1), 64), None


def test_score_multiple_choice_uses_letter_log_likelihoods():
    item = bm.MultipleChoiceItem("s", "q", ("w", "x", "y", "z"), 1)
    ll = bm.continuation_log_likelihoods(_FixedModel(), _CharTokenizer(), "q", [" A", " B"])
    assert ll[1] > ll[0]
    assert bm.score_multiple_choice(_FixedModel(), _CharTokenizer(), [item]) == [1]


def test_corpus_questions_are_well_formed_and_seeded():
    items = bd.make_questions("test", per_subject=5, seed=3)
    assert len(items) == 15 and {i.subject for i in items} == set(bd.SUBJECTS)
    assert items == bd.make_questions("test", per_subject=5, seed=3)
    for item in items:
        assert len(set(item.choices)) == 4
    play_items = [i for i in items if i.subject == "plays"]
    assert all(i.question.split("character ")[1][:-8].lower() not in i.choices[i.answer].lower() for i in play_items)


# --- AlpacaEval ---------------------------------------------------------------------------------

def test_win_rates_spec_values():
    prefs = [2, 1, 1.5, 2, 1.8]
    assert bm.win_rate(prefs) == pytest.approx(66.0)
    assert bm.discrete_win_rate(prefs) == pytest.approx(70.0)


def test_length_feature_spec_values():
    got = bm.length_feature([100, 200, 300], [300, 200, 100])
    assert got.tolist() == pytest.approx([-0.761594, 0.0, 0.761594], abs=1e-6)


def test_lc_win_rate_from_parameters_spec_value():
    assert bm.lc_win_rate_from_parameters(0.3, 0.5, [-1, 0, 1, 2]) == pytest.approx(62.5104, abs=1e-4)


def test_lc_fit_recovers_known_parameters():
    base = [100.0] * 8
    mine = [40.0, 70.0, 90.0, 100.0, 110.0, 130.0, 160.0, 220.0]
    feature = bm.length_feature(base, mine)
    difficulty = torch.tensor([-1.0, 0.5, 1.0, -0.5, 2.0, 0.0, -2.0, 1.5], dtype=torch.float64)
    prefs = 1 + torch.sigmoid(0.4 - 1.2 * feature + 0.7 * difficulty)  # continuous preferences
    params = bm.fit_length_controlled(prefs, base, mine, difficulty.tolist(), l2=0.0)
    assert params["theta"] == pytest.approx(0.4, abs=1e-6)
    assert params["phi"] == pytest.approx(-1.2, abs=1e-6)
    assert params["psi"] == pytest.approx(0.7, abs=1e-6)
    lc = bm.length_controlled_win_rate(prefs, base, mine, difficulty.tolist(), l2=0.0)
    assert lc == pytest.approx(bm.lc_win_rate_from_parameters(0.4, 0.7, difficulty.tolist()), abs=1e-5)


def test_lc_of_the_baseline_against_itself_is_50():
    assert bm.length_controlled_win_rate([1.5] * 4, [10, 20, 30, 40], [10, 20, 30, 40]) == pytest.approx(50.0)


def test_lc_removes_a_pure_length_effect():
    # the model wins exactly when its answer is longer: raw win rate 75, LC near 50 or below
    base = [100.0] * 8
    mine = [200.0, 220.0, 240.0, 260.0, 180.0, 205.0, 60.0, 80.0]
    prefs = [2, 2, 2, 2, 2, 2, 1, 1]
    assert bm.win_rate(prefs) == 75.0
    assert bm.length_controlled_win_rate(prefs, base, mine, l2=0.1) < 60.0


@pytest.mark.parametrize("bad", [[0.5, 1.5], [1, 2.5], [float("nan")], []])
def test_preferences_outside_1_2_are_rejected(bad):
    with pytest.raises(ValueError, match=r"\[1, 2\]|no preferences"):
        bm.win_rate(bad)


def test_judge_prefers_reference_words_and_is_length_biased():
    reference = "the king is dead"
    assert bd.judge_preference(reference, "a cat", "the king is dead") > 1.9
    assert bd.judge_preference(reference, "the king", "the king") == 1.5
    padded = bd.pad_answer("the king", ["is", "dead", "and", "gone"], 4)
    assert padded == "the king is dead and gone"
    assert bd.judge_preference(reference, "the king", padded) > 1.5  # longer wins: the bias
    assert bd.judge_battle(reference, "the king is dead", "no") == "model_a"
    assert bd.judge_battle(reference, "no", "no") == "tie"


# --- Arena --------------------------------------------------------------------------------------

def test_online_elo_spec_value():
    battles = [("A", "B", "model_a"), ("A", "B", "model_a"), ("B", "A", "tie")]
    ratings = bm.online_elo(battles)
    assert ratings["A"] == pytest.approx(1003.931197, abs=1e-6)
    assert ratings["B"] == pytest.approx(996.068803, abs=1e-6)


def test_online_elo_depends_on_order():
    battles = [("A", "B", "model_a")] * 3 + [("A", "B", "model_b")] * 3
    assert bm.online_elo(battles)["A"] != pytest.approx(bm.online_elo(battles[::-1])["A"])


def test_bradley_terry_two_models_spec_value():
    battles = [("A", "B", "model_a")] * 3 + [("A", "B", "model_b")]
    ratings = bm.bradley_terry(battles)
    assert ratings["A"] == pytest.approx(1095.424251, abs=1e-5)
    assert ratings["B"] == pytest.approx(904.575749, abs=1e-5)


def _three_model_battles():
    return ([("A", "B", "model_a")] * 2 + [("B", "A", "model_a")] + [("B", "C", "model_a")] * 2
            + [("C", "B", "model_a")] + [("A", "C", "model_a")] * 3 + [("C", "A", "model_a")]
            + [("A", "C", "tie")] * 2)


def test_bradley_terry_three_models_spec_value_and_order_free():
    battles = _three_model_battles()
    ratings = bm.bradley_terry(battles)
    assert ratings["A"] == pytest.approx(1072.8950, abs=1e-4)
    assert ratings["B"] == pytest.approx(1000.0, abs=1e-4)
    assert ratings["C"] == pytest.approx(927.1050, abs=1e-4)
    assert bm.bradley_terry(battles[::-1]) == pytest.approx(ratings)


def test_bootstrap_is_seeded_and_finite_on_separable_data():
    battles = _three_model_battles()
    first = bm.bootstrap_bradley_terry(battles, rounds=30, seed=1)
    again = bm.bootstrap_bradley_terry(battles, rounds=30, seed=1)
    assert all(first[m] == pytest.approx(again[m], abs=1e-9) for m in first)
    point = bm.bradley_terry(battles)
    for model, (low, high) in first.items():
        assert low <= high and all(math.isfinite(v) for v in (low, high))
    separable = [("A", "B", "model_a")] * 5  # A always wins: only L2 keeps it finite
    low, high = bm.bootstrap_bradley_terry(separable, rounds=5, seed=0)["A"]
    assert math.isfinite(high) and high > 1000
    assert point["A"] > point["C"]


@pytest.mark.parametrize("battle, message", [
    (("A", "Z", "model_a"), "unknown model 'Z'"),
    (("A", "A", "tie"), "two different models"),
    (("A", "B", "win"), "outcome must be"),
])
def test_bad_battles_are_rejected(battle, message):
    with pytest.raises(ValueError, match=message):
        bm.bradley_terry([("A", "B", "model_a"), battle], models=["A", "B", "C"])
    with pytest.raises(ValueError, match=message):
        bm.online_elo([battle], models=["A", "B", "C"])


# --- leaderboards -------------------------------------------------------------------------------

def test_leaderboards_load_with_sources():
    for name in ("alpacaeval2", "arc_agi", "lmarena", "mmlu_pro"):
        rows = bm.load_leaderboard(name)
        assert len(rows) >= 10
        assert all(str(r["source_url"]).startswith("https://") for r in rows)
    alpaca = {r["model"]: r for r in bm.load_leaderboard("alpacaeval2")}
    assert alpaca["GPT-4 Preview (11/06)"]["lc_win_rate"] == 50.0  # the baseline against itself
    with pytest.raises(ValueError, match="choose one of"):
        bm.load_leaderboard("nope")


def test_one_token_fast_path_equals_the_general_path():
    torch.manual_seed(0)
    from workshop_utils.model import GPT, GPTConfig
    model = GPT(GPTConfig(block_size=32, vocab_size=64, n_layer=1, n_head=1, n_embd=8)).eval()
    fast = bm.continuation_log_likelihoods(model, _CharTokenizer(), "question", ["A", "B"])
    slow = [bm.continuation_log_likelihoods(model, _CharTokenizer(), "question", [c, c + c])[0] for c in "AB"]
    assert fast == pytest.approx(slow, abs=1e-5)


def test_leaderboard_figures_draw():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from workshop_utils import plots
    alpaca = bm.load_leaderboard("alpacaeval2")
    ax = plots.plot_alpaca_leaderboard(alpaca).axes[0]
    by_lc = [r["model"] for r in sorted(alpaca, key=lambda r: r["lc_win_rate"])]
    assert [t.get_text() for t in ax.get_yticklabels()] == by_lc and len(ax.collections) == 2
    assert plots.plot_arc_leaderboard(bm.load_leaderboard("arc_agi")).axes[0].get_xscale() == "log"
    lmarena = bm.load_leaderboard("lmarena")
    fig = plots.plot_lmarena_ranks(lmarena)
    assert fig.axes[0].images[0].get_array().shape == (len(lmarena), 8) and len(fig.axes) == 2  # + colour bar
    mmlu = bm.load_leaderboard("mmlu_pro")
    assert len(plots.plot_mmlu_pro(mmlu).axes[0].patches) == len(mmlu)
    plt.close("all")


def test_generate_answers_and_arena_battles():
    from workshop_utils.model import GPT, GPTConfig

    class Tok:
        def encode(self, text):
            return [ord(c) % 64 for c in text]

        def decode(self, ids):
            return "".join(chr(97 + i % 26) for i in ids)

    torch.manual_seed(0)
    model = GPT(GPTConfig(block_size=32, vocab_size=64, n_layer=1, n_head=1, n_embd=8)).eval()
    greedy = bd.generate_answers(model, Tok(), ["ab", "cd"], max_new_tokens=5)
    assert len(greedy) == 2 and all(len(a) == 5 for a in greedy)
    assert greedy == bd.generate_answers(model, Tok(), ["ab", "cd"], max_new_tokens=5)
    sampled = bd.generate_answers(model, Tok(), ["ab"], max_new_tokens=5, greedy=False, seed=1)
    assert sampled == bd.generate_answers(model, Tok(), ["ab"], max_new_tokens=5, greedy=False, seed=1)
    answers = {"x": ["the king", "a"], "y": ["no", "the queen is"], "z": ["b", "c"]}
    battles = bd.arena_battles(answers, ["the king", "the queen"], per_instruction=4, seed=0)
    assert len(battles) == 8 and battles == bd.arena_battles(answers, ["the king", "the queen"], 4, seed=0)
    for a, b, outcome in battles:
        assert outcome == bd.judge_battle(["the king", "the queen"][battles.index((a, b, outcome)) // 4],
                                          answers[a][battles.index((a, b, outcome)) // 4],
                                          answers[b][battles.index((a, b, outcome)) // 4])
    with pytest.raises(ValueError, match="one answer per reference"):
        bd.arena_battles({"x": ["a"], "y": []}, ["r"])


def test_our_result_figures_draw():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from workshop_utils import arc, plots
    task = arc.load_task(arc.ARC_DIR / "zoom_in.json")
    fig = plots.plot_arc_task(task, task["test"][0]["output"], "zoom")
    assert "prediction (right)" in [ax.get_title() for ax in fig.axes]
    fig = plots.plot_ratings({"a": 1010.0, "b": 990.0}, {"a": (1000.0, 1020.0), "b": (980.0, 1000.0)},
                             [{"a": 1005.0, "b": 995.0}])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["b", "a"]
    raw, controlled, _ = plots.plot_padding_effect([0, 5], [50.0, 60.0], [50.0, 51.0]).axes[0].lines
    assert list(raw.get_ydata()) == [50.0, 60.0] and list(controlled.get_ydata()) == [50.0, 51.0]
    ax = plots.plot_accuracy_by_subject({"m": {"plays": 0.5, "micro": 0.4}}).axes[0]
    assert [bar.get_height() for bar in ax.patches] == [0.5, 0.4]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["plays", "micro"]
    speed = {"ours": {"lengths": [8, 16], "plain": [100.0, 80.0], "cached": [150.0, 160.0]}}
    fig = plots.plot_generation_speed(speed)
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "ours model" and len(fig.axes[0].lines) == 2
    plt.close("all")
