"""Figures build without error and show what they claim (backend Agg, nothing displayed)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from workshop_utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- 00/01 ---
def test_data_sizes_on_log_scales_with_our_corpus():
    fig = plots.plot_data_sizes({"name": "ours", "tokens": 1e6, "bytes": 5e6})
    tokens, disk = fig.axes
    assert tokens.get_xscale() == disk.get_xscale() == "log"
    assert len(tokens.patches) == 6 and len(disk.patches) == 3
    labels = [t.get_text() for t in tokens.get_yticklabels()]
    assert labels[0].startswith("CommonCrawl") and labels[-1] == "ours"
    assert "410B" in [t.get_text() for t in tokens.texts]


def test_model_sizes_show_the_arithmetic_and_the_slide():
    fig = plots.plot_model_sizes(bits=16)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "350 GB" in texts and "810 GB" in texts and "2 TB" in texts


def test_history_timeline_has_one_stop_per_era():
    fig = plots.plot_history_timeline(today=2025)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "1950s - 2000s" in texts and "2023 - present" in texts and "Transformers" in texts


def test_activation_plots():
    fig = plots.plot_activation("elu", 0.5, show_derivative=True)
    assert len(fig.axes[0].lines) == 4  # function, derivative, two axis lines
    assert "alpha = 0.5" in fig.axes[0].get_title()
    fig = plots.plot_activation("relu", show_derivative=False)
    assert len(fig.axes[0].lines) == 3
    grid = plots.plot_all_activations(["relu", "tanh", "elu", "sigmoid"])
    assert sum(ax.get_visible() for ax in grid.axes) == 4
    with pytest.raises(ValueError):
        plots.plot_activation("nope")


def test_decision_boundaries_side_by_side():
    from workshop_utils.nn_basics import nonlinearity_experiment

    results = nonlinearity_experiment("moons", "tanh", steps=20)
    fig = plots.plot_decision_boundaries(results)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title().startswith("linear: accuracy")


def test_descent_steps_on_the_loss_curve():
    from workshop_utils.nn_basics import one_weight_descent

    path = one_weight_descent(2.0, 6.0, 1.0, learning_rate=0.05, steps=3)
    ax = plots.plot_descent_steps(path, 2.0, 6.0).axes[0]
    curve, visited, best = ax.lines
    assert list(visited.get_xdata()) == [p["weight"] for p in path]
    assert list(visited.get_ydata()) == [p["loss"] for p in path]
    assert min(curve.get_ydata()) < 0.01 and list(best.get_xdata()) == [3.0, 3.0]
    assert len(ax.texts) == 3 and ax.get_title() == "3 steps of gradient descent"  # one arrow per step


def test_fit_losses_on_a_log_scale_with_the_noise_floor():
    ax = plots.plot_fit_losses({"by hand": [4.0, 1.0, 0.1], "autograd": [4.0, 1.0, 0.1]}, floor=0.01).axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["by hand", "autograd", "noise floor 0.01"]
    assert list(ax.lines[1].get_ydata()) == [4.0, 1.0, 0.1]


def test_gradient_by_depth_against_the_quarter_per_layer():
    curves = {"default weights": {1: 0.1, 2: 0.01}, "16x weights": {1: 0.7, 2: 0.5}}
    ax = plots.plot_gradient_by_depth(curves).axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 3
    assert list(ax.lines[2].get_ydata()) == [0.25, 0.0625] and ax.lines[2].get_label() == "0.25^layers"
    assert list(ax.lines[1].get_ydata()) == [0.7, 0.5]


def test_activations_together_share_two_panels():
    values, slopes = plots.plot_activations_together(["relu", "gelu"]).axes
    assert [line.get_label() for line in values.lines[:2]] == ["relu", "gelu"]
    assert values.get_title() == "function" and slopes.get_title() == "derivative"
    gelu_slope = slopes.lines[1].get_ydata()
    assert min(gelu_slope) < 0 < max(gelu_slope) <= 1.2  # GELU's slope dips below 0 and overshoots 1
    assert set(slopes.lines[0].get_ydata().tolist()) == {0.0, 1.0}


def test_genre_counts_largest_first():
    fig = plots.plot_genre_counts({"comedies": 3, "histories": 7})
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["histories", "comedies"]


# --- 02-05 ---
def test_next_word_bars_most_likely_on_top_and_into_a_given_panel():
    pairs = [("lord", 0.5), ("lady", 0.3), ("king", 0.2)]
    fig = plots.plot_next_word_probabilities(pairs, "my good")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["lord", "lady", "king"]
    assert ax.yaxis_inverted() and ax.get_title() == "After 'my good'"
    assert [t.get_text() for t in ax.texts] == ["0.500", "0.300", "0.200"]
    panel_fig, panel = plt.subplots(1, 2)
    assert plots.plot_next_word_probabilities(pairs, ax=panel[1]) is panel_fig
    assert len(panel[1].patches) == 3 and not panel[0].patches
    assert panel[1].get_title() == "Next-word probabilities"


def test_neural_bigram_training_with_its_counted_references():
    history = {"train_perplexity": [100.0, 40.0, 30.5], "val_perplexity": [100.0, 60.0, 70.0]}
    ax = plots.plot_neural_bigram_training(history, counted_train=30.0, smoothed_val=55.0).axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 4
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[2] == "counted bigram, training text (30.0)" and "55.0" in labels[3]
    assert list(ax.lines[1].get_ydata()) == [100.0, 60.0, 70.0]
    bare = plots.plot_neural_bigram_training({"train_perplexity": [5.0, 4.0]}, counted_train=3.9).axes[0]
    assert len(bare.lines) == 2


def test_tokenizer_tradeoff_puts_vocabulary_size_on_a_log_axis():
    rows = [{"name": "characters", "vocab_size": 60, "tokens_per_word": 5.0, "tokens": 500},
            {"name": "BPE 2k", "vocab_size": 2000, "tokens_per_word": 1.3, "tokens": 130}]
    fig = plots.plot_tokenizer_tradeoff(rows)
    per_word, length = fig.axes
    assert per_word.get_xscale() == length.get_xscale() == "log"
    assert list(per_word.lines[0].get_ydata()) == [5.0, 1.3]
    assert list(length.lines[0].get_ydata()) == [500, 130]
    assert [t.get_text() for t in length.texts] == ["characters", "BPE 2k"]


def test_token_labels_show_spaces_and_newlines(tiny_tokenizer):
    text = "To be, or\nnot"
    ids = tiny_tokenizer.encode(text).ids
    labels = plots.token_labels(tiny_tokenizer, ids)
    assert len(labels) == len(ids) and "⏎" in labels and any(label.startswith("·") for label in labels)
    assert "".join(labels).replace("·", " ").replace("⏎", "\n") == text
    assert plots.token_labels(tiny_tokenizer, torch.tensor(ids)) == labels


def test_word_map_labels_every_word_and_colours_by_group():
    points = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    ax = plots.plot_word_map(points, ["king", "queen", "day"], ["royal", "royal", "time"]).axes[0]
    assert [t.get_text() for t in ax.texts] == ["king", "queen", "day"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["royal", "time"]
    assert ax.get_xlabel() == "first principal direction"
    assert plots.plot_word_map(points, ["a", "b", "c"]).axes[0].get_legend() is None


def test_similarity_heatmap_writes_each_value_on_a_fixed_scale():
    matrix = torch.tensor([[1.0, -0.5], [-0.5, 1.0]])
    fig = plots.plot_similarity_heatmap(matrix, ["king", "day"])
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    assert [t.get_text() for t in ax.texts] == ["1.0", "-0.5", "-0.5", "1.0"]
    assert ax.images[0].get_clim() == (-1, 1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["king", "day"]


def test_positional_encoding_heatmap_and_waves():
    from workshop_utils.attention import positional_encoding

    encoding = positional_encoding(10, 8)
    fig = plots.plot_positional_encoding(encoding)
    assert len(fig.axes) == 2 and "10 positions x d_model = 8" in fig.axes[0].get_title()
    assert fig.axes[0].images[0].get_array().shape == (10, 8)
    ax = plots.plot_positional_waves(encoding, [0, 1, 6]).axes[0]
    assert [line.get_label() for line in ax.lines] == ["dim 0 (sin)", "dim 1 (cos)", "dim 6 (sin)"]
    assert list(ax.lines[1].get_ydata()) == encoding[:, 1].tolist()


def test_losses_with_and_without_a_moving_average():
    losses = [5.0 - 0.1 * step for step in range(30)]
    ax = plots.plot_losses(losses, title="tiny run", window=20).axes[0]
    raw, smooth = ax.lines
    assert len(raw.get_xdata()) == 30 and list(smooth.get_xdata()) == list(range(19, 30))
    assert smooth.get_ydata()[0] == pytest.approx(sum(losses[:20]) / 20)
    assert ax.get_title() == "tiny run" and smooth.get_label() == "mean of 20 steps"
    assert len(plots.plot_losses(losses[:5], window=20).axes[0].lines) == 1  # too short to smooth


# --- 06/07 ---
def test_score_scaling_shows_raw_and_scaled_scores():
    from workshop_utils.attention import score_statistics

    left, right = plots.plot_score_scaling(score_statistics([4, 64], n_samples=50)).axes
    assert left.get_xscale() == left.get_yscale() == "log" and right.get_ylim() == (0, 1.05)
    for ax in (left, right):
        assert [line.get_label() for line in ax.lines] == ["q·k", "q·k / sqrt(d_k)"]
        assert list(ax.lines[0].get_xdata()) == [4, 64]
    raw, scaled = left.lines
    assert raw.get_ydata()[1] > 10 * scaled.get_ydata()[1]  # variance grows with d_k unless scaled


def test_layer_norm_effect_centres_and_scales_every_token():
    before = torch.randn(3, 8, generator=torch.Generator().manual_seed(0)) * 5 + 2
    after = torch.nn.functional.layer_norm(before, (8,))
    mean, std = plots.plot_layer_norm_effect(before, after).axes
    assert mean.get_title() == "per-token mean of the features" and len(mean.patches) == 6
    assert [bar.get_height() for bar in mean.patches[3:]] == pytest.approx([0, 0, 0], abs=1e-5)
    assert [bar.get_height() for bar in std.patches[3:]] == pytest.approx([1, 1, 1], abs=1e-3)


# --- 12 ---
def test_arc_grid_in_the_official_palette():
    from workshop_utils.arc import PALETTE

    assert list(plots.ARC_COLORMAP.colors) == list(PALETTE)
    fig, ax = plt.subplots()
    plots.draw_grid(ax, [[0, 1, 2], [3, 4, 9]], "a task")
    image = ax.images[0]
    assert image.cmap is plots.ARC_COLORMAP and image.get_clim() == (0, 9)
    assert image.get_array().tolist() == [[0, 1, 2], [3, 4, 9]] and ax.get_title() == "a task"


def test_gpt3_training_mix_shows_the_mix_and_the_tokens_read():
    fig = plots.plot_gpt3_training_mix()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.patches) == 10  # 5 sources x (mix, read)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "499B" in labels[0] and "292B" in labels[1]
    texts = [t.get_text() for t in ax.texts]
    assert "410B" in texts and "10.2B (3.4 epochs)" in texts


# --- 05/06: position similarity and what "decoder" means ---
def test_position_similarity_draws_each_matrix_and_the_offset_curves():
    from workshop_utils.attention import position_similarity, positional_encoding

    sinusoidal = position_similarity(positional_encoding(12, 8))
    learned = position_similarity(torch.randn(12, 8, generator=torch.Generator().manual_seed(0)))
    fig = plots.plot_position_similarity({"learned wpe": learned, "sinusoidal": sinusoidal})
    left, middle, curves = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert left.get_title() == "learned wpe: cosine similarity" and left.images[0].get_clim() == (-1, 1)
    assert middle.images[0].get_array().shape == (12, 12)
    assert [line.get_label() for line in curves.lines[:2]] == ["learned wpe", "sinusoidal"]
    assert curves.lines[1].get_ydata()[0] == pytest.approx(1.0)  # offset 0: every vector with itself
    assert len(curves.lines[1].get_ydata()) == 12


def test_decoder_blocks_show_where_cross_attention_is():
    fig = plots.plot_decoder_blocks()
    transformer, gpt, toy = fig.axes
    texts = {ax: [t.get_text() for t in ax.texts] for ax in fig.axes}
    assert "masked self-attention" in texts[transformer] and "cross-attention" in texts[transformer]
    assert "masked self-attention" in texts[gpt] and "cross-attention" not in texts[gpt]
    assert "cross-attention" in texts[toy] and "masked self-attention" not in texts[toy]
    assert "encoder states\n(keys, values)" in texts[transformer] and "Vaswani" in transformer.get_title()


def test_ablation_ladder_bars_with_intervals_and_the_live_point():
    summary = [{"variant": "bigram", "mean_bits_per_char": 2.5, "ci95": [2.45, 2.55]},
               {"variant": "GPT-2 block", "mean_bits_per_char": 2.1, "ci95": [2.0, 2.2]}]
    ax = plots.plot_ablation(summary, live={"variant": "bigram", "bits_per_char": 2.52}).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["GPT-2 block", "bigram"]  # the ladder top-down
    assert [p.get_width() for p in ax.patches] == [2.1, 2.5]
    assert ax.lines[-1].get_xdata()[0] == 2.52 and ax.lines[-1].get_ydata()[0] == 1


def test_heads_sweep_on_a_log2_axis_and_knock_out_figures():
    summary = [{"n_head": h, "mean_bits_per_char": m, "ci95": [m - 0.01, m + 0.01]}
               for h, m in ((1, 2.3), (4, 2.2), (16, 2.25))]
    ax = plots.plot_heads_sweep(summary).axes[0]
    assert ax.get_xscale() == "log" and list(ax.lines[0].get_ydata()) == [2.3, 2.2, 2.25]
    runs = [{"seed": s, "n_head": h, "bits_per_char": m + s / 100} for s in (0, 1) for h, m in ((1, 2.3), (4, 2.2), (16, 2.25))]
    seeds = plots.plot_heads_sweep(summary, runs).axes[0]
    assert [v for line in seeds.lines[:2] for v in line.get_ydata()] == pytest.approx([2.3, 2.2, 2.25, 2.31, 2.21, 2.26])
    effect = {"component": "mlp 0", "intact_bits_per_char": 2.0, "bits_per_char": 4.9,
              "intact_next": [(" be", 0.3), (" the", 0.1)], "next": [("c", 0.5), ("t", 0.2)]}
    intact, damaged = plots.plot_knockout(effect).axes
    assert "without mlp 0: 4.900" in damaged.get_title() and [p.get_width() for p in intact.patches] == [0.1, 0.3]
    bars = plots.plot_knockout_table({"nothing": 2.0, "head 0.0": 2.01, "mlp 0": 3.0, "ln_f": 2.2}).axes[0]
    assert [round(p.get_height(), 6) for p in bars.patches] == [0.01, 1.0, 0.2]
    assert bars.get_yscale() == "symlog"
    plt.close("all")
