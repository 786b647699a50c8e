"""workshop_utils.attention.positional_encoding against SPECS.md, the 05 explorer, relative
positions, RoPE and the similarity of position vectors."""
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


# --- relative positions, RoPE and the similarity of position vectors (notebook 05) ---
from workshop_utils.attention import (position_similarity, rotary_embedding,  # noqa: E402
                                      rotation_frequencies, similarity_by_offset)


def test_rotation_frequencies_are_the_sinusoids_angles():
    frequencies = rotation_frequencies(8)
    assert frequencies.dtype == torch.float64
    assert torch.allclose(frequencies, torch.tensor([1.0, 0.1, 0.01, 0.001], dtype=torch.float64))
    assert torch.allclose(positional_encoding(4, 8)[3, 0::2], torch.sin(3 * frequencies).float())


def test_turning_a_sinusoid_by_minus_the_offset_gives_the_later_position():
    encoding = positional_encoding(60, 16)
    for offset in (1, 7, 25):
        shifted = rotary_embedding(encoding[:60 - offset], -offset)
        assert torch.allclose(shifted, encoding[offset:], atol=1e-5)


def test_rope_scores_depend_only_on_the_offset():
    generator = torch.Generator().manual_seed(0)
    q, k = torch.randn(2, 32, generator=generator, dtype=torch.float64).unbind(0)

    def score(m, n):
        return float(rotary_embedding(q, m) @ rotary_embedding(k, n))

    assert score(5, 2) == pytest.approx(score(40, 37)) == pytest.approx(score(103, 100))
    assert abs(score(5, 2) - score(5, 1)) > 1e-3  # another offset, another score
    assert score(0, 0) == pytest.approx(float(q @ k))  # position 0 is not turned at all


def test_rope_turns_every_row_by_its_own_position_and_keeps_lengths():
    x = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(1))
    turned = rotary_embedding(x, torch.arange(5))
    assert turned.shape == x.shape
    assert torch.allclose(turned.norm(dim=-1), x.norm(dim=-1), atol=1e-5)  # a rotation
    assert torch.allclose(turned[:, 3], rotary_embedding(x[:, 3], 3), atol=1e-6)
    with pytest.raises(ValueError, match="even"):
        rotary_embedding(torch.ones(3, 5), 1)


def test_position_similarity_of_sinusoids_depends_only_on_the_offset():
    similarity = position_similarity(positional_encoding(40, 16))
    assert similarity.shape == (40, 40) and torch.allclose(similarity, similarity.T)
    assert torch.allclose(similarity.diagonal(), torch.ones(40), atol=1e-6)
    for offset in (1, 5, 20):
        diagonal = similarity.diagonal(offset)
        assert float(diagonal.max() - diagonal.min()) < 1e-5  # constant along every diagonal


def test_similarity_by_offset_averages_each_diagonal():
    similarity = torch.tensor([[1.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 1.0]])
    assert torch.allclose(similarity_by_offset(similarity), torch.tensor([1.0, 0.4, 0.0]))
    learned = position_similarity(torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]))
    assert similarity_by_offset(learned)[1] == pytest.approx(2 ** -0.5)
    assert similarity_by_offset(learned)[2] == pytest.approx(0.0)
