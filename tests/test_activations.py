"""Activations: values from the slide's formulas, derivatives against torch.autograd."""
import pytest
import torch
import torch.nn.functional as F

from workshop_utils import activations as A

# Points away from the kinks at 0 (derivatives there are a convention, tested separately).
X = torch.tensor([-6.0, -3.0, -1.5, -0.7, -0.2, 0.3, 0.9, 2.0, 4.5], dtype=torch.float64)

REFERENCE = {  # name -> torch's own implementation with the same parameter
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "elu": lambda x: F.elu(x, 1.0),
    "maxout": lambda x: torch.maximum(x, -0.5 * x),
    "gelu": F.gelu,  # exact (erf) form, as nn.GELU() in the GPT's MLP
}


def autograd_derivative(function, x):
    x = x.clone().requires_grad_(True)
    function(x).sum().backward()
    return x.grad


@pytest.mark.parametrize("name", A.activation_names())
def test_function_matches_torch(name):
    activation = A.get_activation(name)
    torch.testing.assert_close(activation(X), REFERENCE[name](X))


@pytest.mark.parametrize("name", A.activation_names())
def test_derivative_matches_autograd_of_torch(name):
    activation = A.get_activation(name)
    torch.testing.assert_close(activation.grad(X), autograd_derivative(REFERENCE[name], X))


@pytest.mark.parametrize("name", A.activation_names())
def test_derivative_matches_autograd_of_our_function(name):
    activation = A.get_activation(name)
    torch.testing.assert_close(activation.grad(X), autograd_derivative(activation, X))


@pytest.mark.parametrize("function, derivative, parameter, reference", [
    (A.leaky_relu, A.leaky_relu_derivative, 0.3, lambda x: F.leaky_relu(x, 0.3)),
    (A.elu, A.elu_derivative, 0.5, lambda x: F.elu(x, 0.5)),
    (A.elu, A.elu_derivative, 2.0, lambda x: F.elu(x, 2.0)),
])
def test_parameters_are_used(function, derivative, parameter, reference):
    torch.testing.assert_close(function(X, parameter), reference(X))
    torch.testing.assert_close(derivative(X, parameter), autograd_derivative(reference, X))


def test_slide_values():
    x = torch.tensor([-2.0, 0.0, 3.0])
    torch.testing.assert_close(A.sigmoid(x), torch.tensor([0.119203, 0.5, 0.952574]), atol=1e-6, rtol=0)
    torch.testing.assert_close(A.relu(x), torch.tensor([0.0, 0.0, 3.0]))
    torch.testing.assert_close(A.leaky_relu(x), torch.tensor([-0.2, 0.0, 3.0]))  # max(0.1x, x)
    torch.testing.assert_close(A.elu(x), torch.tensor([-0.864665, 0.0, 3.0]), atol=1e-6, rtol=0)
    assert A.sigmoid_derivative(torch.tensor(0.0)).item() == pytest.approx(0.25)
    assert A.tanh_derivative(torch.tensor(0.0)).item() == pytest.approx(1.0)


def test_derivative_at_zero_takes_the_left_piece_like_torch():
    zero = torch.zeros(1, dtype=torch.float64)
    for name in ("relu", "leaky_relu", "elu"):
        expected = autograd_derivative(REFERENCE[name], zero)
        torch.testing.assert_close(A.get_activation(name).grad(zero), expected)


def test_maxout_is_the_largest_line_and_generalises_relu():
    x = torch.linspace(-3, 3, 13)
    torch.testing.assert_close(A.maxout(x, (1.0, 0.0), (0.0, 0.0)), A.relu(x))
    torch.testing.assert_close(A.maxout(x, (1.0, 0.1), (0.0, 0.0)), A.leaky_relu(x))
    torch.testing.assert_close(A.maxout(x, (1.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
                               torch.maximum(x.abs(), torch.ones_like(x)))
    torch.testing.assert_close(A.maxout_derivative(torch.tensor([-2.0, 2.0]), (1.0, -1.0), (0.0, 0.0)),
                               torch.tensor([-1.0, 1.0]))


def test_maxout_layer_shapes_and_gradient():
    torch.manual_seed(0)
    layer = A.MaxoutLayer(3, 4, pieces=3)
    x = torch.randn(5, 3)
    out = layer(x)
    assert out.shape == (5, 4)
    pieces = layer.linear(x).view(5, 4, 3)
    torch.testing.assert_close(out, pieces.max(dim=-1).values)
    out.sum().backward()
    assert layer.linear.weight.grad is not None


def test_accepts_lists_numbers_and_integer_tensors():
    assert A.relu([-1, 2]).tolist() == [0.0, 2.0]
    assert A.sigmoid(0).item() == 0.5
    assert A.leaky_relu(torch.tensor([-10, 10])).dtype.is_floating_point


def test_shape_is_kept():
    x = torch.randn(2, 3, 4)
    for name in A.activation_names():
        activation = A.get_activation(name)
        assert activation(x).shape == x.shape
        assert activation.grad(x).shape == x.shape


def test_get_activation_normalises_names():
    assert A.get_activation("ReLU").name == "relu"
    assert A.get_activation("Leaky ReLU").name == "leaky_relu"
    assert A.get_activation("leaky-relu").name == "leaky_relu"
    assert A.activation_names() == ["sigmoid", "tanh", "relu", "leaky_relu", "maxout", "elu", "gelu"]


def test_unknown_activation_lists_the_valid_names():
    with pytest.raises(ValueError) as error:
        A.get_activation("swish")
    message = str(error.value)
    assert "swish" in message
    for name in A.activation_names():
        assert name in message


@pytest.mark.parametrize("call", [
    lambda: A.leaky_relu(torch.ones(2), slope=1.5),
    lambda: A.leaky_relu_derivative(torch.ones(2), slope=-0.1),
    lambda: A.elu(torch.ones(2), alpha=-1.0),
    lambda: A.maxout(torch.ones(2), (1.0,), (0.0,)),
    lambda: A.maxout(torch.ones(2), (1.0, 2.0), (0.0,)),
    lambda: A.MaxoutLayer(2, 2, pieces=1),
])
def test_bad_parameters_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_registry_parameters_and_defaults():
    assert A.get_activation("leaky_relu").default == 0.1
    assert A.get_activation("elu").default == 1.0
    for name in ("sigmoid", "tanh", "relu"):
        assert A.get_activation(name).parameter is None
    # the registry's parameter reaches the function
    x = torch.tensor([-1.0])
    assert A.get_activation("leaky_relu")(x, 0.2).item() == pytest.approx(-0.2)
    assert A.get_activation("maxout")(x, -2.0).item() == pytest.approx(2.0)


def test_activation_layer_in_sequential():
    layer = A.ActivationLayer("elu", 0.5)
    x = torch.tensor([-1.0, 1.0])
    torch.testing.assert_close(layer(x), F.elu(x, 0.5))
    assert "elu" in repr(layer)
    with pytest.raises(ValueError):
        A.ActivationLayer("nope")


def test_gelu_is_x_times_the_normal_cdf_and_the_gpts_activation():
    normal = torch.distributions.Normal(0.0, 1.0)
    x = torch.linspace(-4, 4, 81, dtype=torch.float64)
    torch.testing.assert_close(A.gelu(x), x * normal.cdf(x))
    torch.testing.assert_close(A.gelu(x), torch.nn.GELU()(x))
    assert A.gelu(torch.tensor([0.0])).item() == 0.0
    torch.testing.assert_close(A.gelu(torch.tensor([10.0, -10.0])), torch.tensor([10.0, 0.0]))


def test_gelu_has_a_small_dip_where_its_derivative_crosses_zero():
    grid = torch.linspace(-3, 0, 30001, dtype=torch.float64)
    values = A.gelu(grid)
    lowest = grid[values.argmin()].item()
    assert values.min().item() == pytest.approx(-0.16997, abs=1e-5) and lowest == pytest.approx(-0.7518, abs=1e-3)
    assert A.gelu_derivative(torch.tensor([lowest], dtype=torch.float64)).abs().item() < 1e-3
    assert A.gelu_derivative(torch.tensor([-1.5])).item() < 0 < A.gelu_derivative(torch.tensor([-0.5])).item()


def test_gelu_is_within_a_thousandth_of_gpt2s_tanh_approximation():
    x = torch.linspace(-6, 6, 1201)
    gap = (A.gelu(x) - F.gelu(x, approximate="tanh")).abs().max().item()
    assert 1e-5 < gap < 1e-3  # close, but not the same function


def test_gelu_in_an_activation_layer_and_without_a_parameter():
    layer = A.ActivationLayer("GELU")
    x = torch.tensor([-1.0, 0.5])
    torch.testing.assert_close(layer(x), F.gelu(x))
    assert A.get_activation("gelu").parameter is None and "gelu" in repr(layer)
