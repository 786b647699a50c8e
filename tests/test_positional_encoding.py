"""workshop_utils.attention.positional_encoding against SPECS.md, and the 05 explorer."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402

from workshop_utils.attention import positional_encoding  # noqa: E402
from workshop_utils.widgets import positional_encoding_explorer  # noqa: E402


@pytest.mark.parametrize("d_model,position,expected", [
    (4, 1, [0.841471, 0.540302, 0.010000, 0.999950]),
    (4, 2, [0.909297, -0.416147, 0.019999, 0.999800]),
    (8, 1, [0.841471, 0.540302, 0.099833, 0.995004, 0.01, 0.99995, 0.001, 1.0]),
])
def test_specs_values(d_model, position, expected):
    encoding = positional_encoding(position + 1, d_model)
    assert torch.allclose(encoding[position], torch.tensor(expected), atol=1e-5)


def test_position_zero_and_shape():
    encoding = positional_encoding(10, 6)
    assert encoding.shape == (10, 6)
    assert encoding[0].tolist() == [0.0, 1.0] * 3  # sin 0 = 0 in even columns, cos 0 = 1 in odd


def test_the_encoding_is_interleaved_not_concatenated():
    encoding = positional_encoding(3, 4)
    angle = torch.tensor([1.0, 0.01])  # pos 1: 1 / 10000^(0/4), 1 / 10000^(2/4)
    assert torch.allclose(encoding[1, 0::2], torch.sin(angle)) and torch.allclose(encoding[1, 1::2], torch.cos(angle))


def test_every_position_gets_a_different_vector():
    encoding = positional_encoding(200, 32)
    distances = torch.cdist(encoding, encoding).fill_diagonal_(float("inf"))
    assert float(distances.min()) > 0.01


@pytest.mark.parametrize("length,d_model", [(0, 4), (5, 3), (5, 0)])
def test_bad_sizes_are_clear_errors(length, d_model):
    with pytest.raises(ValueError):
        positional_encoding(length, d_model)


def test_explorer_follows_the_sliders():
    explorer = positional_encoding_explorer(draw=False)
    assert explorer.result["shape"] == (50, 64)
    explorer.children[0].value = 16
    explorer.children[1].value = 7
    assert explorer.result["shape"] == (7, 16)
    assert torch.equal(explorer.result["encoding"], positional_encoding(7, 16))
