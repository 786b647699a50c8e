"""Figures build without error and show what they claim (backend Agg, nothing displayed)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

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


def test_genre_counts_largest_first():
    fig = plots.plot_genre_counts({"comedies": 3, "histories": 7})
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["histories", "comedies"]
