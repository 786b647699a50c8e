"""Notebook 01: how a network learns (gradient descent) and why it needs non-linear activations.

Gradient descent first on one weight, then on a linear layer W·x + b with hand-written gradients
(and the same fit with autograd); how the gradient reaching the input of a deep sigmoid stack
depends on its weights as well as on the activation; then a 2-D toy task whose classes no
straight line can separate, an MLP built with or without activations, a short full-batch training
run with a fixed number of steps, and a grid of predictions for drawing the decision boundary.
Everything is seeded and takes well under a second on a CPU.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterable, Iterator

import torch
from torch import nn
from tqdm.auto import trange

from .activations import ActivationLayer, get_activation

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


def one_weight_descent(x: float, y: float, weight: float, learning_rate: float,
                       steps: int) -> list[dict[str, float]]:
    """Gradient descent on one weight w for the loss L(w) = (w·x - y)^2, whose slope is
    dL/dw = 2·(w·x - y)·x. One entry per visited weight: {"weight", "loss", "slope"}."""
    if steps < 0 or learning_rate <= 0:
        raise ValueError(f"need steps >= 0 and learning_rate > 0, got {steps} and {learning_rate}")
    path = []
    for _ in range(steps + 1):
        error = weight * x - y
        path.append({"weight": weight, "loss": error ** 2, "slope": 2 * error * x})
        weight = weight - learning_rate * path[-1]["slope"]
    return path


def make_linear_data(n: int = 200, in_features: int = 3, out_features: int = 2, noise: float = 0.1,
                     seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Inputs X (n, in), targets Y = X W^T + b + noise (n, out), and the true W (out, in) and b."""
    generator = torch.Generator().manual_seed(seed)
    true_weight = torch.randn(out_features, in_features, generator=generator)
    true_bias = torch.randn(out_features, generator=generator)
    inputs = torch.randn(n, in_features, generator=generator)
    targets = inputs @ true_weight.T + true_bias + noise * torch.randn(n, out_features, generator=generator)
    return inputs, targets, true_weight, true_bias


def linear_gradients(weight: torch.Tensor, bias: torch.Tensor, inputs: torch.Tensor,
                     targets: torch.Tensor) -> tuple[float, torch.Tensor, torch.Tensor]:
    """Mean squared error of X W^T + b against Y, and its gradients by the chain rule, by hand:
    dL/dprediction = 2·error / (number of entries), dL/dW = (dL/dprediction)^T X, dL/db = its row sum."""
    error = inputs @ weight.T + bias - targets  # (n, out)
    grad_prediction = 2 * error / error.numel()
    return (error ** 2).mean().item(), grad_prediction.T @ inputs, grad_prediction.sum(dim=0)


def fit_linear(inputs: torch.Tensor, targets: torch.Tensor, steps: int = 300, learning_rate: float = 0.1,
               use_autograd: bool = False) -> dict:
    """Fit W, b (from zeros) by full-batch gradient descent on the mean squared error.

    Hand-written gradients (`linear_gradients`), or autograd with torch.optim.SGD: the same steps.
    Returns {"weight", "bias", "losses"} (the loss before each step).
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    weight = torch.zeros(targets.shape[1], inputs.shape[1], requires_grad=use_autograd)
    bias = torch.zeros(targets.shape[1], requires_grad=use_autograd)
    optimizer = torch.optim.SGD([weight, bias], lr=learning_rate) if use_autograd else None
    losses = []
    for _ in range(steps):
        if optimizer is None:
            loss, grad_weight, grad_bias = linear_gradients(weight, bias, inputs, targets)
            weight, bias = weight - learning_rate * grad_weight, bias - learning_rate * grad_bias
        else:
            loss_tensor = ((inputs @ weight.T + bias - targets) ** 2).mean()
            optimizer.zero_grad()
            loss_tensor.backward()
            optimizer.step()
            loss = loss_tensor.item()
        losses.append(loss)
    return {"weight": weight.detach(), "bias": bias.detach(), "losses": losses}


def input_gradient_by_depth(activation: str = "sigmoid", depths: Iterable[int] = range(1, 21),
                            width: int = 32, weight_scale: float = 1.0, examples: int = 256,
                            seed: int = 0) -> dict[int, float]:
    """How much of a gradient reaches the input of `depth` layers of Linear + activation.

    For each depth: a stack with PyTorch's default initial weights times `weight_scale`, a
    random unit-length gradient at the output of each example, and the mean length of the
    gradient it gives at the input (1.0 = nothing lost). Nothing is trained.
    """
    get_activation(activation)  # a clear error for an unknown name
    result = {}
    for depth in depths:
        torch.manual_seed(seed)
        layers = [nn.Linear(width, width) for _ in range(depth)]
        with torch.no_grad():
            for layer in layers:
                layer.weight.mul_(weight_scale)
        stack = nn.Sequential(*(module for layer in layers for module in (layer, ActivationLayer(activation))))
        inputs = torch.randn(examples, width, requires_grad=True)
        output_gradient = torch.randn(examples, width)
        output_gradient = output_gradient / output_gradient.norm(dim=1, keepdim=True)
        with one_thread():
            (stack(inputs) * output_gradient).sum().backward()
        result[depth] = inputs.grad.norm(dim=1).mean().item()
    return result


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
