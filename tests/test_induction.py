"""Induction measurements (workshop_utils/induction.py, notebook 08)."""
import pytest
import torch

from workshop_utils.induction import copy_losses, induction_scores, previous_token_scores, repeated_sequences


def test_repeated_sequences_repeat_and_check_their_arguments():
    x = repeated_sequences(3, 5, 20, torch.Generator().manual_seed(0), low=10)
    assert x.shape == (3, 10) and torch.equal(x[:, :5], x[:, 5:]) and int(x.min()) >= 10
    with pytest.raises(ValueError, match="length >= 2"):
        repeated_sequences(1, 1, 20)


def test_copy_losses_split_the_two_halves(tiny_model):
    model = tiny_model(block_size=16)
    x = repeated_sequences(4, 8, model.config.vocab_size, torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits, _ = model(x[:, :-1])
    losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), x[:, 1:], reduction="none")
    result = copy_losses(model, x)
    assert result["first"] == pytest.approx(losses[:, :7].mean().item(), rel=1e-5)  # tokens 1..7
    assert result["second"] == pytest.approx(losses[:, 8:].mean().item(), rel=1e-5)  # tokens 9..15


def test_scores_read_the_right_diagonals(tiny_model):
    model = tiny_model(block_size=16, n_layer=2)
    x = repeated_sequences(2, 8, model.config.vocab_size, torch.Generator().manual_seed(1))
    maps = model.attention_maps(x)
    scores, previous = induction_scores(model, x), previous_token_scores(model, x)
    assert scores.shape == previous.shape == (2, model.config.n_head)
    expected = torch.stack([m.mean(0)[:, torch.arange(8, 16), torch.arange(1, 9)].mean(-1) for m in maps])
    assert torch.allclose(scores, expected)
    assert torch.allclose(previous[0], maps[0].mean(0).diagonal(offset=-1, dim1=-2, dim2=-1).mean(-1))
