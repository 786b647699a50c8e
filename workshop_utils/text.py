"""Tokenizers (notebooks 03 and 04): the slide's index tokenizer, a teaching BPE, the byte-level
BPE used for pretraining and SentencePiece-style BPE / unigram (`tokenizers` library), how many
tokens words cost, and text -> token ids (encode_text, encode_corpus).
The blocks and batches a language model trains on are in batching.py.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import (SentencePieceBPETokenizer, SentencePieceUnigramTokenizer, Tokenizer, decoders,
                        models, pre_tokenizers, trainers)

from .data import corpus_text

SPECIAL_TOKENS = ["<PAD>", "<BOS>", "<EOS>", "<UNK>"]
CORPUS_VOCAB_SIZE = 1024  # the pretraining tokenizer's size (see data/README.md)


# --- The slide's index tokenizer (notebook 03) ---

INDEX_SPECIAL_TOKENS = ("<BOS>", "<EOS>", "<UNK>", "<SPACE>")
SLIDE_SENTENCES = ("I love learning", "Learning is my hobby")
# The slide shows I (0), love (1), learning (3), <BOS> (6), <EOS> (7) and hides the rest behind
# "...". Order of first appearance would give learning 2, so "is" must come before it; the
# other words keep their order of appearance.
SLIDE_VOCABULARY = ("I", "love", "is", "learning", "my", "hobby") + INDEX_SPECIAL_TOKENS
_PIECE = re.compile(r"<[A-Z]+>|\w+|[^\w\s]")  # a special token, a word, or one punctuation mark


class IndexTokenizer:
    """Word-level tokenizer: every vocabulary entry gets its index as id (case-insensitive).

    Words it has never seen become <UNK>. Special tokens written in the text ("<BOS>") are
    recognised as themselves. `encode(text, mark_spaces=True)` puts <SPACE> between words.
    """

    def __init__(self, vocabulary: list[str] | tuple[str, ...]):
        keys = [token.lower() for token in vocabulary]
        if len(set(keys)) != len(keys):
            raise ValueError("the vocabulary has a word twice (words are case-insensitive)")
        if "<unk>" not in keys:
            raise ValueError("the vocabulary needs an '<UNK>' token for words it has never seen")
        self.vocabulary = list(vocabulary)
        self._ids = {key: index for index, key in enumerate(keys)}

    @classmethod
    def from_texts(cls, texts: list[str] | tuple[str, ...],
                   special_tokens: tuple[str, ...] = INDEX_SPECIAL_TOKENS) -> "IndexTokenizer":
        """Words in order of first appearance (first spelling kept), then the special tokens."""
        words: dict[str, str] = {}
        for text in texts:
            for piece in _PIECE.findall(text):
                words.setdefault(piece.lower(), piece)
        return cls([w for k, w in words.items() if k not in {s.lower() for s in special_tokens}]
                   + list(special_tokens))

    @classmethod
    def slide(cls) -> "IndexTokenizer":
        """The slide's tokenizer for "I love learning" / "Learning is my hobby"."""
        return cls(SLIDE_VOCABULARY)

    def __len__(self) -> int:
        return len(self.vocabulary)

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    def tokenize(self, text: str) -> list[str]:
        """Split text into special tokens, words and punctuation marks (no lookup yet)."""
        return _PIECE.findall(text)

    def encode(self, text: str, mark_spaces: bool = False) -> list[int]:
        """Ids of the pieces of `text`; unknown pieces get the id of <UNK>."""
        unknown, ids = self._ids["<unk>"], []
        for piece in self.tokenize(text):
            if mark_spaces and ids:
                ids.append(self._ids["<space>"])
            ids.append(self._ids.get(piece.lower(), unknown))
        return ids

    def decode(self, ids: list[int]) -> str:
        """Text of the ids: joined with <SPACE> tokens if there are any, else with spaces."""
        for token_id in ids:
            if not 0 <= int(token_id) < len(self.vocabulary):
                raise ValueError(f"id {token_id} is not in the vocabulary (0 to {len(self) - 1})")
        tokens = [self.vocabulary[int(i)] for i in ids]
        if "<space>" in self._ids and self._ids["<space>"] in [int(i) for i in ids]:
            return "".join(" " if t == self.vocabulary[self._ids["<space>"]] else t for t in tokens)
        return " ".join(tokens)


# --- Byte-pair encoding from scratch, one merge at a time (notebook 03) ---

END_OF_WORD = "</w>"


@dataclass(frozen=True)
class MergeStep:
    """One BPE merge: the pair joined, how often it occurred, and every word afterwards."""

    pair: tuple[str, str]
    count: int
    new_token: str
    words: dict[tuple[str, ...], int]  # each word as its current symbols -> frequency


def bpe_merge_steps(text: str, num_merges: int) -> list[MergeStep]:
    """Learn BPE merges on the words of `text` (Sennrich et al. 2016), recording every step.

    Each word starts as characters plus END_OF_WORD; each step joins the most frequent
    adjacent pair (ties: the alphabetically first). Stops early when no pair occurs twice.
    """
    if isinstance(num_merges, bool) or not isinstance(num_merges, int) or num_merges < 0:
        raise ValueError(f"num_merges must be an integer >= 0, got {num_merges!r}")
    if not text.split():
        raise ValueError("bpe_merge_steps needs some words to learn merges from")
    words = {tuple(word) + (END_OF_WORD,): count for word, count in Counter(text.split()).items()}
    steps: list[MergeStep] = []
    for _ in range(num_merges):
        pairs: Counter = Counter()
        for symbols, count in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs or max(pairs.values()) < 2:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        words = {_merge(symbols, best): count for symbols, count in words.items()}
        steps.append(MergeStep(best, pairs[best], best[0] + best[1], words))
    return steps


def _merge(symbols: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    merged, i = [], 0
    while i < len(symbols):
        if symbols[i:i + 2] == pair:
            merged.append(pair[0] + pair[1])
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return tuple(merged)


def bpe_segment(text: str, merges: list[tuple[str, str]]) -> list[str]:
    """Split the words of `text` into subwords by applying learned merges in order.

    `merges` is a list of pairs such as [("l", "o"), ...]: [step.pair for step in steps]
    (pairs written as lists, as JSON stores them, work too).
    """
    if not isinstance(text, str):
        raise TypeError(f"bpe_segment takes one text (a str), got a {type(text).__name__}; "
                        "for a list of words pass ' '.join(words)")
    if isinstance(merges, str) or not all(isinstance(pair, (tuple, list)) and len(pair) == 2
                                          and all(isinstance(s, str) for s in pair) for pair in merges):
        got = ("MergeStep objects" if any(isinstance(m, MergeStep) for m in merges)
               else f"{merges!r:.60}")
        raise TypeError(f"merges must be a list of (left, right) pairs of strings such as "
                        f"[('e', 's'), ('es', 't')], got {got}; from bpe_merge_steps use "
                        "[step.pair for step in steps]")
    merges = [tuple(pair) for pair in merges]  # _merge compares tuples
    pieces: list[str] = []
    for word in text.split():
        symbols = tuple(word) + (END_OF_WORD,)
        for pair in merges:
            symbols = _merge(symbols, pair)
        pieces.extend(symbols)
    return pieces



def train_bpe(texts: list[str], vocab_size: int, special_tokens: list[str] = SPECIAL_TOKENS,
              min_frequency: int = 2) -> Tokenizer:
    """Byte-level BPE (as GPT-2): every byte is in the vocabulary, so no text is unknown.

    `texts` is a list of strings (one str would be read character by character).
    """
    if isinstance(texts, str):
        raise TypeError("train_bpe expects a list of texts, got one str (it would be read "
                        "character by character); wrap it in a list: [text], or split it, "
                        "e.g. text.split('\\n\\n')")
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


SENTENCEPIECE_SPACE = "\u2581"  # "▁", how SentencePiece writes a space


def train_sentencepiece(texts: list[str], vocab_size: int, algorithm: str = "bpe",
                        unk_token: str = "<unk>") -> Tokenizer:
    """A SentencePiece-style tokenizer (Kudo & Richardson 2018) from the `tokenizers` library.

    The text is taken as it is (no rule splits off punctuation or line breaks); each space
    becomes "▁" and starts the piece after it. `algorithm` "bpe" merges frequent pairs as
    train_bpe does; "unigram" (Kudo 2018) starts from many candidate pieces and drops those
    the text needs least. Characters come from the text, not bytes: one never seen is <unk>.
    """
    if isinstance(texts, str):
        raise TypeError("train_sentencepiece expects a list of texts, got one str; wrap it in a "
                        "list: [text], or split it, e.g. text.split('\\n\\n')")
    if not texts or not any(t.strip() for t in texts):
        raise ValueError("train_sentencepiece needs some non-empty text to learn pieces from")
    if algorithm == "bpe":
        trained = SentencePieceBPETokenizer(unk_token=unk_token)
        trained.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2,
                                    special_tokens=[unk_token], show_progress=False)
    elif algorithm == "unigram":
        trained = SentencePieceUnigramTokenizer()
        trained.train_from_iterator(texts, vocab_size=vocab_size, special_tokens=[unk_token],
                                    unk_token=unk_token, show_progress=False)
    else:
        raise ValueError(f"algorithm must be 'bpe' or 'unigram', got {algorithm!r}")
    return Tokenizer.from_str(trained.to_str())  # a plain Tokenizer, like train_bpe's


def word_token_stats(tokenizer: Tokenizer, text: str) -> dict[str, float]:
    """How many tokens the words of `text` cost under a trained `tokenizers.Tokenizer`.

    tokens_per_word: all tokens / the whitespace-separated words. single_token_share: of the
    tokenizer's own pre-tokens made only of letters (" wonder", "OBERON", with the space
    before them), the share that is one token.
    """
    words = text.split()
    if not words:
        raise ValueError("word_token_stats needs a text with some words")
    tokens = len(encode_text(tokenizer, text))
    letter_words: Counter = Counter()
    for line in text.split("\n"):
        for _, (start, end) in tokenizer.pre_tokenizer.pre_tokenize_str(line):
            if line[start:end].strip().isalpha():
                letter_words[line[start:end]] += 1
    distinct = list(letter_words)
    encodings = tokenizer.encode_batch(distinct, add_special_tokens=False)
    whole = sum(letter_words[w] for w, e in zip(distinct, encodings) if len(e.ids) == 1)
    total = sum(letter_words.values())
    return {"tokens": tokens, "words": len(words), "tokens_per_word": tokens / len(words),
            "letter_words": total, "single_token_share": whole / total if total else 0.0}


def save_bpe(tokenizer: Tokenizer, path: str | Path) -> Path:
    """Save a tokenizer as tokenizer.json (creating the folder) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(path))
    return path


def load_bpe(path: str | Path) -> Tokenizer:
    """Load a tokenizer.json written by save_bpe, with errors that say what to do."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no tokenizer at {path}; train one with train_corpus_tokenizer() "
                                "and save it with save_bpe()")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as error:
        raise ValueError(f"{path} is not a valid tokenizer.json ({error}); retrain and save it again") from None


# --- Text -> token ids for language modelling (notebooks 05 and 08) ---

_SAFE_CUT = re.compile(r"(?<=\S)(?=\n)")  # before a line break that follows a visible character


def encode_text(tokenizer, text: str) -> torch.Tensor:
    """Token ids of `text` as a 1-D LongTensor, for a `tokenizers.Tokenizer` or an IndexTokenizer.

    A `tokenizers.Tokenizer` encodes pieces in parallel and gives exactly the ids of encoding the
    whole text at once: the text is cut only before a line break that follows a visible
    character, where no byte-level pre-token can cross (none holds a letter and a line break, and
    the pattern's look-ahead never reaches past such a cut). Other tokenizers (SentencePiece-style
    pieces can hold a line break) encode the text whole. No special tokens are added.
    """
    if not isinstance(text, str):
        raise TypeError(f"encode_text takes one text (a str), got a {type(text).__name__}; "
                        "for several texts call it once per text")
    if isinstance(tokenizer, Tokenizer):
        byte_level = isinstance(tokenizer.pre_tokenizer, pre_tokenizers.ByteLevel)
        pieces = _SAFE_CUT.split(text) if byte_level else [text]
        encodings = tokenizer.encode_batch(pieces, add_special_tokens=False)
        ids = [token_id for encoding in encodings for token_id in encoding.ids]
    elif hasattr(tokenizer, "encode"):
        ids = list(tokenizer.encode(text))
    else:
        raise TypeError(f"expected a tokenizer with .encode(), got {type(tokenizer).__name__}")
    return torch.tensor(ids, dtype=torch.long)


def encode_corpus(tokenizer, split: str) -> torch.Tensor:
    """Token ids (1-D LongTensor) of `corpus_text(split)`: "train", "val" or "test"."""
    return encode_text(tokenizer, corpus_text(split))


def token_spans(tokenizer, text: str) -> list[tuple[str, int]]:
    """(piece of the original text, id) for each token: an IndexTokenizer or a tokenizers BPE.

    For byte-level BPE a character split over several byte tokens shows on the first of
    them; the others show as "".
    """
    if isinstance(tokenizer, IndexTokenizer):
        return list(zip(tokenizer.tokenize(text), tokenizer.encode(text)))
    encoding = tokenizer.encode(text, add_special_tokens=False)
    spans, covered = [], 0
    for token_id, (start, end) in zip(encoding.ids, encoding.offsets):
        spans.append((text[max(start, covered):end], token_id))
        covered = max(covered, end)
    return spans
