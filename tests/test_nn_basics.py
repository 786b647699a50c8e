"""The non-linearity experiment of notebook 01: data, models, training, prediction grid."""
import pytest
import torch
from torch import nn

from workshop_utils import nn_basics as N
from workshop_utils.activations import ActivationLayer


@pytest.mark.parametrize("kind", N.DATASETS)
def test_dataset_is_seeded_balanced_and_shaped(kind):
    points, labels = N.make_dataset(kind, n=100, seed=3)
    again_points, again_labels = N.make_dataset(kind, n=100, seed=3)
    assert points.shape == (100, 2) and labels.shape == (100,)
    assert torch.equal(points, again_points) and torch.equal(labels, again_labels)
    assert labels.sum().item() == 50
    assert not torch.equal(points, N.make_dataset(kind, n=100, seed=4)[0])


def test_circles_are_a_ring_around_a_disc():
    points, labels = N.make_dataset("circles", n=400, noise=0.0)
    radius = points.norm(dim=1)
    torch.testing.assert_close(radius[labels == 0], torch.full((200,), 0.5))
    torch.testing.assert_close(radius[labels == 1], torch.full((200,), 1.0))


@pytest.mark.parametrize("kind, n", [("spirals", 10), ("moons", 7), ("moons", 0)])
def test_bad_dataset_arguments(kind, n):
    with pytest.raises(ValueError):
        N.make_dataset(kind, n=n)


def test_build_mlp_with_and_without_activation():
    with_relu = N.build_mlp("relu", hidden=(8, 4))
    linear = N.build_mlp(None, hidden=(8, 4))
    assert [type(m) for m in with_relu] == [nn.Linear, ActivationLayer, nn.Linear, ActivationLayer, nn.Linear]
    assert all(isinstance(m, nn.Linear) for m in linear) and len(linear) == 3
    # same seed -> same first-layer weights, so the only difference is the activation
    torch.testing.assert_close(with_relu[0].weight, linear[0].weight)
    assert with_relu(torch.zeros(5, 2)).shape == (5, 2)
    with pytest.raises(ValueError):
        N.build_mlp("not-an-activation")


def test_a_linear_stack_is_one_linear_map():
    torch.manual_seed(0)
    model = N.build_mlp(None, hidden=(8, 8))
    x = torch.randn(10, 2)
    weight = model[2].weight @ model[1].weight @ model[0].weight
    bias = model[2].weight @ (model[1].weight @ model[0].bias + model[1].bias) + model[2].bias
    torch.testing.assert_close(model(x), x @ weight.T + bias)


def test_accuracy():
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
        model.bias.zero_()
    points = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-3.0, 0.0]])
    assert N.accuracy(model, points, torch.tensor([0, 1, 0, 0])) == 0.75


def test_training_lowers_the_loss_and_is_repeatable():
    points, labels = N.make_dataset("moons", n=200)
    first = N.train_classifier(N.build_mlp("tanh"), points, labels, steps=50)
    second = N.train_classifier(N.build_mlp("tanh"), points, labels, steps=50)
    assert len(first["losses"]) == 50
    assert first["losses"][-1] < first["losses"][0]
    assert first["losses"] == second["losses"]
    with pytest.raises(ValueError):
        N.train_classifier(N.build_mlp("tanh"), points, labels, steps=0)


def test_prediction_grid_shape_and_range():
    points, _ = N.make_dataset("moons", n=20)
    xs, ys, probability = N.prediction_grid(N.build_mlp("relu"), points, resolution=30)
    assert xs.shape == (30,) and ys.shape == (30,) and probability.shape == (30, 30)
    assert xs[0] < points[:, 0].min() and xs[-1] > points[:, 0].max()
    assert ((probability >= 0) & (probability <= 1)).all()


def test_nonlinearity_beats_a_linear_model_on_circles():
    results = N.nonlinearity_experiment("circles", "relu", steps=300)
    assert set(results) == {"linear", "relu"}
    assert results["linear"]["accuracy"] < 0.7  # no straight line separates a ring from its centre
    assert results["relu"]["accuracy"] > 0.95


def test_one_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with N.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


# --- gradient descent ---
def test_one_weight_descent_by_hand():
    path = N.one_weight_descent(x=2.0, y=6.0, weight=1.0, learning_rate=0.05, steps=2)
    assert len(path) == 3
    assert path[0] == {"weight": 1.0, "loss": 16.0, "slope": -16.0}  # (2 - 6)^2, 2 (2 - 6) 2
    assert path[1]["weight"] == pytest.approx(1.8) and path[1]["loss"] == pytest.approx(5.76)
    assert path[2]["weight"] == pytest.approx(1.8 + 0.05 * 9.6)
    # the slope is the derivative autograd finds
    w = torch.tensor(1.8, dtype=torch.float64, requires_grad=True)
    ((w * 2.0 - 6.0) ** 2).backward()
    assert w.grad.item() == pytest.approx(path[1]["slope"])


def test_one_weight_descent_falls_with_a_small_step_and_overshoots_with_a_large_one():
    small = N.one_weight_descent(2.0, 6.0, 1.0, learning_rate=0.05, steps=30)
    losses = [point["loss"] for point in small]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert small[-1]["weight"] == pytest.approx(3.0, abs=1e-3)
    large = N.one_weight_descent(2.0, 6.0, 1.0, learning_rate=0.3, steps=5)  # factor 1 - 0.3·8 = -1.4
    assert large[-1]["loss"] > large[0]["loss"]
    with pytest.raises(ValueError):
        N.one_weight_descent(2.0, 6.0, 1.0, learning_rate=0.0, steps=3)


def test_linear_data_is_seeded_and_close_to_the_true_layer():
    X, Y, W, b = N.make_linear_data(n=50, in_features=4, out_features=3, noise=0.1, seed=1)
    again = N.make_linear_data(n=50, in_features=4, out_features=3, noise=0.1, seed=1)
    assert X.shape == (50, 4) and Y.shape == (50, 3) and W.shape == (3, 4) and b.shape == (3,)
    assert all(torch.equal(a, c) for a, c in zip((X, Y, W, b), again))
    residual = Y - (X @ W.T + b)
    assert 0.05 < residual.std().item() < 0.15
    _, Y_clean, _, _ = N.make_linear_data(n=50, in_features=4, out_features=3, noise=0.0, seed=1)
    torch.testing.assert_close(Y_clean, X @ W.T + b)


def test_hand_written_linear_gradients_equal_autograd():
    X, Y, _, _ = N.make_linear_data(n=30, seed=2)
    W = torch.randn(2, 3, generator=torch.Generator().manual_seed(0), requires_grad=True)
    b = torch.randn(2, generator=torch.Generator().manual_seed(1), requires_grad=True)
    loss, grad_W, grad_b = N.linear_gradients(W.detach(), b.detach(), X, Y)
    torch_loss = ((X @ W.T + b - Y) ** 2).mean()
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item())
    torch.testing.assert_close(grad_W, W.grad)
    torch.testing.assert_close(grad_b, b.grad)


def test_fit_linear_by_hand_equals_autograd_and_finds_the_true_layer():
    X, Y, W_true, b_true = N.make_linear_data(n=200, noise=0.1, seed=0)
    by_hand = N.fit_linear(X, Y, steps=100, learning_rate=0.1)
    by_autograd = N.fit_linear(X, Y, steps=100, learning_rate=0.1, use_autograd=True)
    torch.testing.assert_close(by_hand["weight"], by_autograd["weight"])
    torch.testing.assert_close(by_hand["bias"], by_autograd["bias"])
    assert by_hand["losses"] == pytest.approx(by_autograd["losses"], rel=1e-5)
    assert not by_hand["weight"].requires_grad and not by_autograd["weight"].requires_grad
    assert by_hand["losses"][0] > 1 and by_hand["losses"][-1] == pytest.approx(0.01, rel=0.1)  # noise^2
    torch.testing.assert_close(by_hand["weight"], W_true, atol=0.05, rtol=0)
    torch.testing.assert_close(by_hand["bias"], b_true, atol=0.05, rtol=0)
    with pytest.raises(ValueError):
        N.fit_linear(X, Y, steps=0)


def test_sigmoid_gradient_depends_on_the_weights_not_only_on_the_quarter_bound():
    default = N.input_gradient_by_depth("sigmoid", depths=(1, 10, 20))
    large = N.input_gradient_by_depth("sigmoid", depths=(1, 10, 20), weight_scale=16.0)
    assert default == N.input_gradient_by_depth("sigmoid", depths=(1, 10, 20))  # seeded
    assert list(default) == [1, 10, 20]
    assert default[1] > default[10] > default[20] and default[20] < 0.25 ** 20  # shrinks fast
    assert large[20] > 1e6 * 0.25 ** 20  # far above 0.25^layers: weights multiply in too
    relu = N.input_gradient_by_depth("relu", depths=(20,), weight_scale=6 ** 0.5)  # He-like scale
    assert relu[20] > 0.1
    with pytest.raises(ValueError):
        N.input_gradient_by_depth("swish")
