"""Notebook 01's experiment: why a network needs non-linear activations.

A 2-D toy task whose classes no straight line can separate, an MLP built with or without
activations, a short full-batch training run with a fixed number of steps, and a grid of
predictions for drawing the decision boundary. Everything is seeded and takes well under a
second on a CPU.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn
from tqdm.auto import trange

from .activations import ActivationLayer

DATASETS = ("moons", "circles")


@contextmanager
def one_thread() -> Iterator[None]:
    """Run tiny models on one CPU thread: faster than several, and far faster on a busy CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def make_dataset(kind: str = "circles", n: int = 400, noise: float = 0.1,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Points (n, 2) and labels (n,) in {0, 1}, half per class, the same for the same seed.

    "circles": class 1 is a ring around class 0. "moons": two interleaving half circles.
    """
    if kind not in DATASETS:
        raise ValueError(f"unknown dataset {kind!r}; choose one of {DATASETS}")
    if n < 2 or n % 2:
        raise ValueError(f"n must be an even number >= 2 (half the points per class), got {n}")
    generator = torch.Generator().manual_seed(seed)
    half = n // 2
    angle = torch.rand(n, generator=generator) * 2 * math.pi
    if kind == "circles":
        radius = torch.cat([torch.full((half,), 0.5), torch.full((half,), 1.0)])
        points = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)
    else:
        angle = angle / 2  # half circles: angles in [0, pi)
        upper = torch.stack([torch.cos(angle[:half]), torch.sin(angle[:half])], dim=1)
        lower = torch.stack([1 - torch.cos(angle[half:]), 0.5 - torch.sin(angle[half:])], dim=1)
        points = torch.cat([upper, lower])
    points = points + noise * torch.randn(n, 2, generator=generator)
    labels = torch.cat([torch.zeros(half), torch.ones(half)]).long()
    return points, labels


def build_mlp(activation: str | None = "relu", hidden: tuple[int, ...] = (16, 16),
              in_features: int = 2, out_features: int = 2, seed: int = 0) -> nn.Sequential:
    """Linear layers with `activation` between them; None leaves them out (a linear model)."""
    torch.manual_seed(seed)
    sizes = [in_features, *hidden, out_features]
    layers: list[nn.Module] = []
    for i, (size_in, size_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(size_in, size_out))
        if activation is not None and i < len(sizes) - 2:
            layers.append(ActivationLayer(activation))
    return nn.Sequential(*layers)


def accuracy(model: nn.Module, points: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of points whose most likely class is the true one."""
    with torch.no_grad():
        return (model(points).argmax(dim=-1) == labels).float().mean().item()


def train_classifier(model: nn.Module, points: torch.Tensor, labels: torch.Tensor,
                     steps: int = 300, learning_rate: float = 0.03, progress: bool = False) -> dict:
    """Full-batch Adam on cross-entropy for a fixed number of steps; returns losses and accuracy.

    `progress` shows a tqdm progress bar (on stderr).
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    with one_thread():
        for _ in trange(steps, disable=not progress, desc="training", leave=False):
            loss = nn.functional.cross_entropy(model(points), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return {"losses": losses, "accuracy": accuracy(model, points, labels)}


def prediction_grid(model: nn.Module, points: torch.Tensor, resolution: int = 100,
                    margin: float = 0.3) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """xs (resolution,), ys (resolution,), probability of class 1 on the grid (resolution, resolution)."""
    low = points.min(dim=0).values - margin
    high = points.max(dim=0).values + margin
    xs = torch.linspace(low[0].item(), high[0].item(), resolution)
    ys = torch.linspace(low[1].item(), high[1].item(), resolution)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad(), one_thread():
        logits = model(torch.stack([grid_x.flatten(), grid_y.flatten()], dim=1))
    return xs, ys, logits.softmax(dim=-1)[:, 1].view(resolution, resolution)


def nonlinearity_experiment(kind: str = "circles", activation: str = "relu", steps: int = 300,
                            seed: int = 0, progress: bool = False) -> dict[str, dict]:
    """Train the same MLP with and without `activation` on one dataset.

    Returns {"linear": ..., activation: ...}, each with the model, accuracy, losses and the
    prediction grid; both share "points" and "labels" for plotting.
    """
    points, labels = make_dataset(kind, seed=seed)
    results = {}
    for name in ("linear", activation):
        model = build_mlp(None if name == "linear" else activation, seed=seed)
        run = train_classifier(model, points, labels, steps=steps, progress=progress)
        xs, ys, probability = prediction_grid(model, points)
        results[name] = {"model": model, "points": points, "labels": labels, "xs": xs, "ys": ys,
                         "probability": probability, **run}
    return results
