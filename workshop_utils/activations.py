"""The activation functions from the slides, and GELU (the GPT's), each with its derivative.

Every function takes a tensor (or anything `torch.as_tensor` accepts) and returns a float
tensor of the same shape. Derivatives are written out by hand so a learner can read them;
the unit tests check each one against torch.autograd. At the kink x = 0 the derivative of
ReLU, Leaky ReLU and ELU takes the value of the left piece (x < 0), as torch does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import math

import torch
from torch import nn

LEAKY_SLOPE = 0.1  # the slide: max(0.1x, x)
ELU_ALPHA = 1.0
MAXOUT_SECOND_SLOPE = -0.5  # the 1-D maxout shown: max(1·x + 0, -0.5·x + 0)

Tensorish = torch.Tensor | float | Sequence[float]


def _float(x: Tensorish) -> torch.Tensor:
    x = torch.as_tensor(x)
    return x if x.is_floating_point() else x.float()


def sigmoid(x: Tensorish) -> torch.Tensor:
    """σ(x) = 1 / (1 + e^(-x)), squashes any number into (0, 1)."""
    x = _float(x)
    return 1 / (1 + torch.exp(-x))


def sigmoid_derivative(x: Tensorish) -> torch.Tensor:
    """σ'(x) = σ(x) · (1 - σ(x)); at most 0.25, at x = 0."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: Tensorish) -> torch.Tensor:
    """tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)), squashes into (-1, 1); torch's stable version."""
    return torch.tanh(_float(x))


def tanh_derivative(x: Tensorish) -> torch.Tensor:
    """tanh'(x) = 1 - tanh(x)^2; at most 1, at x = 0."""
    return 1 - tanh(x) ** 2


def relu(x: Tensorish) -> torch.Tensor:
    """ReLU(x) = max(0, x)."""
    x = _float(x)
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_derivative(x: Tensorish) -> torch.Tensor:
    """1 where x > 0, else 0: negative inputs pass no gradient ("dead" units)."""
    x = _float(x)
    return (x > 0).to(x.dtype)


def _check_slope(slope: float) -> None:
    if not 0 <= slope < 1:
        raise ValueError(f"leaky ReLU slope must be in [0, 1), got {slope}; max(a·x, x) is a "
                         "leaky ReLU only for 0 <= a < 1 (the slide uses a = 0.1)")


def leaky_relu(x: Tensorish, slope: float = LEAKY_SLOPE) -> torch.Tensor:
    """Leaky ReLU(x) = max(slope·x, x): like ReLU but with a small slope for x < 0."""
    _check_slope(slope)
    x = _float(x)
    return torch.where(x > 0, x, slope * x)


def leaky_relu_derivative(x: Tensorish, slope: float = LEAKY_SLOPE) -> torch.Tensor:
    """1 where x > 0, else `slope`: negative inputs still pass a little gradient."""
    _check_slope(slope)
    x = _float(x)
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, slope))


def _check_alpha(alpha: float) -> None:
    if alpha < 0:
        raise ValueError(f"ELU alpha must be >= 0, got {alpha}; the usual value is 1.0")


def elu(x: Tensorish, alpha: float = ELU_ALPHA) -> torch.Tensor:
    """ELU(x) = x for x >= 0, alpha·(e^x - 1) for x < 0: smooth, saturates at -alpha."""
    _check_alpha(alpha)
    x = _float(x)
    return torch.where(x > 0, x, alpha * torch.expm1(torch.clamp(x, max=0)))


def elu_derivative(x: Tensorish, alpha: float = ELU_ALPHA) -> torch.Tensor:
    """1 for x > 0, alpha·e^x for x <= 0."""
    _check_alpha(alpha)
    x = _float(x)
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(torch.clamp(x, max=0)))


def gelu(x: Tensorish) -> torch.Tensor:
    """GELU(x) = x·Φ(x) = x/2 · (1 + erf(x/√2)), Φ the standard normal CDF: a smooth ReLU.

    Not on the slides: the activation inside the workshop's GPT (nn.GELU, the exact form).
    """
    x = _float(x)
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def gelu_derivative(x: Tensorish) -> torch.Tensor:
    """GELU'(x) = Φ(x) + x·φ(x), φ(x) = e^(-x²/2) / √(2π): smooth, dips below 0 for x < -0.75."""
    x = _float(x)
    normal_cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    normal_pdf = torch.exp(-0.5 * x ** 2) / math.sqrt(2 * math.pi)
    return normal_cdf + x * normal_pdf


def _pieces(x: torch.Tensor, weights: Sequence[float], biases: Sequence[float]) -> torch.Tensor:
    if len(weights) != len(biases) or len(weights) < 2:
        raise ValueError(f"maxout needs >= 2 pieces with one weight and one bias each, got "
                         f"{len(weights)} weights and {len(biases)} biases")
    w = torch.as_tensor(weights, dtype=x.dtype)
    b = torch.as_tensor(biases, dtype=x.dtype)
    return x.unsqueeze(-1) * w + b  # (..., pieces)


def maxout(x: Tensorish, weights: Sequence[float] = (1.0, MAXOUT_SECOND_SLOPE),
           biases: Sequence[float] = (0.0, 0.0)) -> torch.Tensor:
    """Maxout of one input: max_i(w_i·x + b_i), the largest of a few straight lines.

    ReLU is maxout with lines (1, 0) and (0, 0); in a network the w_i and b_i are learned
    (see `MaxoutLayer`).
    """
    x = _float(x)
    return _pieces(x, weights, biases).max(dim=-1).values


def maxout_derivative(x: Tensorish, weights: Sequence[float] = (1.0, MAXOUT_SECOND_SLOPE),
                      biases: Sequence[float] = (0.0, 0.0)) -> torch.Tensor:
    """The slope w_i of whichever line is largest at x (the first one on a tie)."""
    x = _float(x)
    winner = _pieces(x, weights, biases).argmax(dim=-1)
    return torch.as_tensor(weights, dtype=x.dtype)[winner]


class MaxoutLayer(nn.Module):
    """max(W_1 x + b_1, ..., W_k x + b_k) with learned W_i, b_i (Goodfellow et al., 2013)."""

    def __init__(self, in_features: int, out_features: int, pieces: int = 2):
        super().__init__()
        if pieces < 2:
            raise ValueError(f"a maxout layer needs pieces >= 2, got {pieces}")
        self.out_features, self.pieces = out_features, pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)  # (..., out * pieces)
        return z.view(*x.shape[:-1], self.out_features, self.pieces).max(dim=-1).values


@dataclass(frozen=True)
class Activation:
    """One activation: its formula, the function, its derivative and its (optional) parameter."""

    name: str
    formula: str  # LaTeX, as on the slide
    function: Callable[..., torch.Tensor]
    derivative: Callable[..., torch.Tensor]
    parameter: str | None = None  # e.g. "slope"; None when there is nothing to tune
    default: float | None = None
    parameter_range: tuple[float, float] | None = None  # sensible values for an explorer

    def __call__(self, x: Tensorish, parameter: float | None = None) -> torch.Tensor:
        return self.function(x, *self._args(parameter))

    def grad(self, x: Tensorish, parameter: float | None = None) -> torch.Tensor:
        return self.derivative(x, *self._args(parameter))

    def _args(self, parameter: float | None) -> tuple:
        if self.parameter is None:
            return ()
        value = self.default if parameter is None else parameter
        if self.name == "maxout":  # the explorer tunes the second line's slope
            return ((1.0, value), (0.0, 0.0))
        return (value,)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", r"\sigma(x) = \frac{1}{1+e^{-x}}", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", r"\tanh(x) = \frac{e^x - e^{-x}}{e^x + e^{-x}}", tanh, tanh_derivative),
    "relu": Activation("relu", r"\mathrm{ReLU}(x) = \max(0, x)", relu, relu_derivative),
    "leaky_relu": Activation("leaky_relu", r"\mathrm{LeakyReLU}(x) = \max(0.1x, x)", leaky_relu,
                             leaky_relu_derivative, "slope", LEAKY_SLOPE, (0.0, 0.9)),
    "maxout": Activation("maxout", r"\max(w_1 x + b_1,\ w_2 x + b_2)", maxout, maxout_derivative,
                         "second slope w2", MAXOUT_SECOND_SLOPE, (-1.0, 1.0)),
    "elu": Activation("elu", r"\mathrm{ELU}(x) = x \ (x \geq 0),\ \ \alpha(e^x - 1) \ (x < 0)", elu,
                      elu_derivative, "alpha", ELU_ALPHA, (0.0, 2.0)),
    "gelu": Activation("gelu", r"\mathrm{GELU}(x) = x\,\Phi(x) = \frac{x}{2}"
                       r"\left(1 + \mathrm{erf}(x/\sqrt{2})\right)",
                       gelu, gelu_derivative),  # not on the slides: the GPT's activation
}


def activation_names() -> list[str]:
    """The registered names: the slide's six in slide order, then GELU."""
    return list(ACTIVATIONS)


def get_activation(name: str) -> Activation:
    """Look an activation up by name ("ReLU", "leaky relu" and "leaky-relu" all work)."""
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[key]


class ActivationLayer(nn.Module):
    """A registered activation as a torch layer, for use inside nn.Sequential."""

    def __init__(self, name: str, parameter: float | None = None):
        super().__init__()
        self.activation, self.parameter = get_activation(name), parameter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(x, self.parameter)

    def extra_repr(self) -> str:
        return self.activation.name
