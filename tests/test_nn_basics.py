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
