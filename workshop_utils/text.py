"""Tokenizers: the byte-level BPE used for pretraining (trained with the `tokenizers` library)."""
from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from .data import corpus_text

SPECIAL_TOKENS = ["<PAD>", "<BOS>", "<EOS>", "<UNK>"]
CORPUS_VOCAB_SIZE = 1024  # the pretraining tokenizer's size (see data/README.md)


def train_bpe(texts: list[str], vocab_size: int, special_tokens: list[str] = SPECIAL_TOKENS,
              min_frequency: int = 2) -> Tokenizer:
    """Byte-level BPE (as GPT-2): every byte is in the vocabulary, so no text is unknown."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    if vocab_size < len(alphabet) + len(special_tokens):
        raise ValueError(f"vocab_size={vocab_size} is too small: the {len(alphabet)} byte tokens "
                         f"and {len(special_tokens)} special tokens alone need "
                         f"{len(alphabet) + len(special_tokens)}")
    if not texts or not any(t.strip() for t in texts):
        raise ValueError("train_bpe needs some non-empty text to learn merges from")
    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(special_tokens), initial_alphabet=alphabet,
                                  show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def train_corpus_tokenizer(vocab_size: int = CORPUS_VOCAB_SIZE) -> Tokenizer:
    """The pretraining tokenizer: byte-level BPE on the training split only (no leakage)."""
    return train_bpe(corpus_text("train").split("\n\n"), vocab_size)


def save_bpe(tokenizer: Tokenizer, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(path))
    return path


def load_bpe(path: str | Path) -> Tokenizer:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no tokenizer at {path}; train one with train_corpus_tokenizer() "
                                "and save it with save_bpe()")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as error:
        raise ValueError(f"{path} is not a valid tokenizer.json ({error}); retrain and save it again") from None
