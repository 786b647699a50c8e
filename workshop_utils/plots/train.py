"""Training curves (train.py): loss per step (notebooks 04, 10), the Trainer's history and a
live loss plot while it trains, and one run's snapshots (notebook 08)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from IPython.display import display


def plot_losses(losses: list[float], title: str = "Training loss", window: int = 20) -> plt.Figure:
    """Loss of every step (light) and its moving average over `window` steps."""
    fig, ax = plt.subplots(figsize=(7, 3))
    values = torch.tensor(losses, dtype=torch.float64)
    ax.plot(values.numpy(), alpha=0.3, label="each step")
    if len(values) >= window:
        smooth = values.unfold(0, window, 1).mean(1)
        ax.plot(range(window - 1, len(values)), smooth.numpy(), label=f"mean of {window} steps")
    ax.set(xlabel="step", ylabel="loss", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_training_history(history: list[dict], title: str = "Pretraining") -> plt.Figure:
    """Train loss per logged step and validation loss where measured (nats per token)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot([r["step"] for r in history], [r["train_loss"] for r in history], label="train")
    val = [r for r in history if "val_loss" in r]
    ax.plot([r["step"] for r in val], [r["val_loss"] for r in val], "o-", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats per token)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_training_series(series: list[dict], title: str = "One run, measured along the way") -> plt.Figure:
    """Validation bits/char of each point of training_series (snapshots and final) against the
    tokens trained on; the initial weights (0 tokens) are drawn at the left edge of the log axis."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    trained = [row for row in series if row["tokens_seen"] > 0]
    ax.plot([r["tokens_seen"] for r in trained], [r["val_bits_per_char"] for r in trained], "o-")
    for row in trained:
        ax.annotate(f"step {row['step']:,}\n{row['val_bits_per_char']:.3f}",
                    (row["tokens_seen"], row["val_bits_per_char"]), textcoords="offset points",
                    xytext=(4, 6), fontsize=8)
    ax.set_xscale("log")
    for row in series:
        if row["tokens_seen"] == 0:
            ax.axhline(row["val_bits_per_char"], color="grey", linestyle="--",
                       label=f"initial weights: {row['val_bits_per_char']:.2f}")
            ax.legend(loc="upper right")
    ax.set(xlabel="tokens trained on (log scale)", ylabel="validation bits/char", title=title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


class LiveLossPlot:
    """A Trainer callback that redraws the loss curves in place while training runs.

    Pass it as `trainer.fit(callback=live)`; the figure updates every `every` records and
    not left open afterwards, so draw the final static one with plot_training_history.
    """

    def __init__(self, every: int = 5, title: str = "Pretraining (live)"):
        self.every, self.title, self.history, self.handle = every, title, [], None

    def __call__(self, record: dict) -> None:
        self.history.append(record)
        if len(self.history) % self.every and "val_loss" not in record:
            return
        fig = plot_training_history(self.history, self.title)
        if self.handle is None:
            self.handle = display(fig, display_id=True)
        else:
            self.handle.update(fig)
        plt.close(fig)  # shown through the display handle only

    def restart_display(self) -> None:
        """Show the next updates in the current cell (when training continues in a new cell)."""
        self.handle = None
