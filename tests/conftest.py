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


TINY_SHAPE = dict(block_size=16, vocab_size=TINY_VOCAB, n_layer=1, n_head=2, n_embd=16)


@pytest.fixture
def tiny_model():
    """A factory: tiny_model(seed=0, **shape) -> a seeded GPT, by default 1 layer, 2 heads, 16 dims
    and 16 positions over the tiny tokenizer's vocabulary; keywords change the shape
    (tiny_model(n_layer=2, block_size=32))."""
    def make(seed: int = 0, **shape) -> GPT:
        torch.manual_seed(seed)
        return GPT(GPTConfig(**{**TINY_SHAPE, **shape}))
    return make
