"""Fixtures shared by the training and checkpoint tests: a tiny corpus, its tokenizer, a tiny GPT."""
import pytest
import torch

from workshop_utils.model import GPT, GPTConfig
from workshop_utils.text import train_bpe

TINY_TEXT = ("To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"
             "The slings and arrows of outrageous fortune,\nOr to take arms against a sea of troubles\n") * 20
TINY_VOCAB = 300


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return train_bpe(TINY_TEXT.split("\n"), vocab_size=TINY_VOCAB)


@pytest.fixture(scope="session")
def tiny_ids(tiny_tokenizer):
    return torch.tensor(tiny_tokenizer.encode(TINY_TEXT).ids)


@pytest.fixture
def tiny_model():
    """A factory: tiny_model(seed=0) -> a seeded 1-layer GPT over the tiny tokenizer's vocabulary."""
    def make(seed: int = 0, vocab_size: int = TINY_VOCAB) -> GPT:
        torch.manual_seed(seed)
        return GPT(GPTConfig(block_size=16, vocab_size=vocab_size, n_layer=1, n_head=2, n_embd=16))
    return make
