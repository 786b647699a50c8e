"""workshop_utils.pretrain (presets, command line, sampling) and notebook 08's plots and widget."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from workshop_utils import plots, widgets  # noqa: E402
from workshop_utils.__main__ import main  # noqa: E402
from workshop_utils.model import GPT  # noqa: E402
from workshop_utils.generation import complete  # noqa: E402
from workshop_utils.pretrain import run_pretraining  # noqa: E402
from workshop_utils.recipes import PRESETS  # noqa: E402
from workshop_utils.text import train_bpe  # noqa: E402

TEXT = "O Romeo, Romeo, wherefore art thou Romeo?\nDeny thy father and refuse thy name.\n" * 10


@pytest.fixture(scope="module")
def tokenizer():
    return train_bpe(TEXT.split("\n"), vocab_size=280)


def test_presets_fit_their_tokenizer_and_the_size_limit():
    for name, preset in PRESETS.items():
        assert preset.model.vocab_size == preset.vocab_size, name
        assert GPT(preset.model).num_parameters() * 4 < 25e6, name  # fp32 weights under 25 MB


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown preset"):
        run_pretraining("huge")
    with pytest.raises(SystemExit):
        main(["pretrain", "--preset", "huge"])


def test_resume_without_a_saved_run_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        run_pretraining("tiny", out=tmp_path / "run", resume=True)


def test_complete_is_seeded_and_returns_only_the_new_text(tokenizer, tiny_model):
    model = tiny_model(vocab_size=280)
    first = complete(model, tokenizer, "Romeo", max_new_tokens=8, seed=1)
    assert first == complete(model, tokenizer, "Romeo", max_new_tokens=8, seed=1)
    assert len(tokenizer.encode(first).ids) >= 1 and not first.startswith("Romeo")
    greedy = complete(model, tokenizer, "Romeo", max_new_tokens=5, greedy=True)
    assert greedy == complete(model, tokenizer, "Romeo", max_new_tokens=5, greedy=True, seed=7)


def test_generation_explorer_drives_headless(tokenizer, tiny_model):
    explorer = widgets.generation_explorer(tiny_model(vocab_size=280), tokenizer, prompt="Romeo")
    names = [child.description for child in explorer.children[:5]]
    assert names == ["prompt", "temperature", "top-k (0 off)", "top-p (1 off)", "new tokens"]
    explorer.children[4].value = 10
    explorer.children[2].value = 1  # top-k = 1 is greedy decoding
    first = explorer.result["text"]
    explorer.children[1].value = 1.5  # with top-k = 1 the temperature changes nothing
    assert explorer.result["text"] == first
    assert explorer.result["prompt"] == "Romeo"


def test_live_loss_plot_keeps_every_record():
    live = plots.LiveLossPlot(every=2)
    for step in range(1, 6):
        live({"step": step, "train_loss": 5.0 - step / 10, **({"val_loss": 5.0} if step == 4 else {})})
    assert [r["step"] for r in live.history] == [1, 2, 3, 4, 5]
    fig = plots.plot_training_history(live.history)
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)


def test_corpus_and_attention_figures():
    fig = plots.plot_pretraining_corpus(1.6e6)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == "Shakespeare (ours)" and len(labels) == 6
    assert sum(r["proportion"] for r in plots.GPT3_CORPUS) == pytest.approx(1.01)  # as the slide
    plt.close(fig)
    attention = [torch.softmax(torch.randn(2, 5, 5), -1) for _ in range(3)]
    fig = plots.plot_attention_grid(attention, list("abcde"))
    assert len(fig.axes) == 6
    plt.close(fig)
