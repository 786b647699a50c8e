"""workshop_utils.text and batching: tokenizers, language-model blocks and batches."""
import pytest
import torch

from workshop_utils import batching, text
from workshop_utils.batching import LMBlockDataset, lm_blocks, lm_dataloader, random_batch
from workshop_utils.text import encode_text


# --- language-model blocks and batches ---

def test_lm_blocks_targets_are_inputs_shifted_by_one():
    ids = torch.arange(10)
    inputs, targets = lm_blocks(ids, block_size=3)
    assert inputs.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert targets.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_lm_blocks_sliding_window_stride():
    inputs, targets = lm_blocks(list(range(6)), block_size=3, stride=1)
    assert inputs.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    assert targets.tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_lm_blocks_rejects_bad_block_size(bad):
    with pytest.raises(ValueError, match="block_size must be a positive integer"):
        lm_blocks(torch.arange(10), block_size=bad)


def test_lm_blocks_rejects_too_short_text_and_bad_stride():
    with pytest.raises(ValueError, match="at least block_size"):
        lm_blocks(torch.arange(4), block_size=4)
    with pytest.raises(ValueError, match="stride"):
        lm_blocks(torch.arange(10), block_size=2, stride=0)
    with pytest.raises(ValueError, match="1-D"):
        lm_blocks(torch.zeros(2, 5, dtype=torch.long), block_size=2)


def test_dataset_and_dataloader_shapes():
    dataset = LMBlockDataset(torch.arange(101), block_size=10)
    assert len(dataset) == 10
    x, y = dataset[3]
    assert x.tolist() == list(range(30, 40)) and y.tolist() == list(range(31, 41))
    batches = list(lm_dataloader(torch.arange(101), block_size=10, batch_size=4))
    assert [tuple(b[0].shape) for b in batches] == [(4, 10), (4, 10), (2, 10)]
    assert all(torch.equal(x + 1, y) for x, y in batches)
    again = list(lm_dataloader(torch.arange(101), block_size=10, batch_size=4))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, again))  # seeded shuffle
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        lm_dataloader(torch.arange(101), block_size=10, batch_size=0)


def test_random_batch_shapes_shift_and_seed():
    ids = torch.arange(50)
    x, y = random_batch(ids, block_size=8, batch_size=5, generator=torch.Generator().manual_seed(1))
    assert x.shape == y.shape == (5, 8) and x.dtype == torch.long
    assert torch.equal(x + 1, y)
    x2, _ = random_batch(ids, block_size=8, batch_size=5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(x, x2)
    x, y = random_batch(torch.arange(9), block_size=8, batch_size=3)  # only one window fits
    assert x.tolist() == [list(range(8))] * 3
    for name, kwargs in [("block_size", dict(block_size=0, batch_size=2)),
                         ("batch_size", dict(block_size=4, batch_size=-1))]:
        with pytest.raises(ValueError, match=name):
            random_batch(ids, **kwargs)


def test_encode_text_with_bpe_matches_whole_text_encoding():
    tokenizer = text.train_bpe(["the cat sat on the mat\n\nthe dog sat\n"] * 20, vocab_size=280)
    sample = "ROMEO:\nthe cat sat on the mat\n\nJULIET:\nthe dog sat, é!\n\n"
    ids = encode_text(tokenizer, sample)
    assert ids.dtype == torch.long and ids.dim() == 1
    assert ids.tolist() == tokenizer.encode(sample).ids
    assert tokenizer.decode(ids.tolist()) == sample


def test_encode_corpus_matches_encoding_the_whole_split():
    small = text.train_bpe([text.corpus_text("val")[:50_000]], vocab_size=300)
    ids = text.encode_corpus(small, "val")
    assert ids.tolist() == small.encode(text.corpus_text("val")).ids


# --- the slide's index tokenizer ---

def test_slide_index_tokenizer_matches_the_slide():
    tokenizer = text.IndexTokenizer.slide()
    assert tokenizer.encode("<BOS> I love learning <EOS>") == [6, 0, 1, 3, 7]
    ids = {token: i for i, token in enumerate(tokenizer.vocabulary)}
    assert (ids["I"], ids["love"], ids["learning"], ids["<BOS>"], ids["<EOS>"]) == (0, 1, 3, 6, 7)
    assert set(text.INDEX_SPECIAL_TOKENS) <= set(tokenizer.vocabulary)
    assert tokenizer.vocab_size == len(tokenizer) == 10
    # the slide's two sentences use only known words; "Learning" and "learning" are one word
    assert tokenizer.encode("Learning is my hobby") == [3, 2, 4, 5]


def test_index_tokenizer_unknown_words_empty_text_and_round_trip():
    tokenizer = text.IndexTokenizer.slide()
    unk = tokenizer.vocabulary.index("<UNK>")
    assert tokenizer.encode("I love pizza !") == [0, 1, unk, unk]
    assert tokenizer.encode("") == [] and tokenizer.decode([]) == ""
    assert tokenizer.decode(tokenizer.encode("I love learning")) == "I love learning"
    spaced = tokenizer.encode("my hobby is learning", mark_spaces=True)
    assert spaced.count(tokenizer.vocabulary.index("<SPACE>")) == 3
    assert tokenizer.decode(spaced) == "my hobby is learning"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tokenizer.decode([10])


def test_index_tokenizer_from_texts_and_bad_vocabularies():
    tokenizer = text.IndexTokenizer.from_texts(text.SLIDE_SENTENCES)
    assert tokenizer.vocabulary[:6] == ["I", "love", "learning", "is", "my", "hobby"]
    assert tokenizer.vocabulary[6:] == list(text.INDEX_SPECIAL_TOKENS)
    with pytest.raises(ValueError, match="twice"):
        text.IndexTokenizer(["a", "A", "<UNK>"])
    with pytest.raises(ValueError, match="<UNK>"):
        text.IndexTokenizer(["a", "b"])


# --- BPE from scratch ---

SENNRICH = "low " * 5 + "lower " * 2 + "newest " * 6 + "widest " * 3


def test_bpe_merge_steps_on_the_classic_example():
    steps = text.bpe_merge_steps(SENNRICH, 3)
    assert [step.pair for step in steps] == [("e", "s"), ("es", "t"), ("est", "</w>")]
    assert [step.count for step in steps] == [9, 9, 9]
    assert steps[-1].words[("n", "e", "w", "est</w>")] == 6
    merges = [step.pair for step in text.bpe_merge_steps(SENNRICH, 100)]
    assert text.bpe_segment("newest lowest", merges) == ["newest</w>", "low", "est</w>"]
    assert text.bpe_segment("zoo", merges) == ["z", "o", "o", "</w>"]  # unseen letters stay
    assert text.bpe_merge_steps("a b c", 5) == []  # no pair occurs twice


def test_bpe_merge_steps_rejects_bad_input():
    with pytest.raises(ValueError, match="num_merges"):
        text.bpe_merge_steps(SENNRICH, -1)
    with pytest.raises(ValueError, match="some words"):
        text.bpe_merge_steps("   ", 3)


# --- byte-level BPE (tokenizers library) ---

@pytest.fixture(scope="module")
def small_bpe():
    return text.train_bpe(["To be, or not to be: that is the question.\n"] * 50, vocab_size=300)


def test_bpe_special_tokens_and_round_trips(small_bpe):
    for i, token in enumerate(text.SPECIAL_TOKENS):
        assert small_bpe.token_to_id(token) == i
    for sample in ["To be, or not to be", "", "never seen: 日本語 🙂 ñ ß", "x" * 100_000]:
        ids = small_bpe.encode(sample).ids
        assert small_bpe.decode(ids) == sample
        assert small_bpe.token_to_id("<UNK>") not in ids  # byte-level: nothing is unknown
    assert small_bpe.encode("").ids == []


def test_train_bpe_rejects_a_vocabulary_too_small_for_the_special_tokens():
    with pytest.raises(ValueError, match="too small"):
        text.train_bpe(["some text"], vocab_size=258)
    with pytest.raises(ValueError, match="non-empty"):
        text.train_bpe(["  "], vocab_size=300)


def test_token_spans_cover_the_text(small_bpe):
    sample = "To be or not, 日本 🙂"
    spans = text.token_spans(small_bpe, sample)
    assert "".join(piece for piece, _ in spans) == sample
    assert [i for _, i in spans] == small_bpe.encode(sample).ids
    index_spans = text.token_spans(text.IndexTokenizer.slide(), "I love pizza")
    assert index_spans == [("I", 0), ("love", 1), ("pizza", 8)]


# --- the slide's batching example ---

def test_batch_blocks_reproduces_the_slide_shape():
    words = batching.SLIDE_BATCHING_TEXT.split()
    batches = batching.batch_blocks(words, block_size=4, batch_size=2)
    assert len(batches) == 3
    assert all(len(batch) == 2 and all(len(block) == 4 for block in batch) for batch in batches)
    assert batches[0][0] == ["This", "is", "a", "long"]
    assert batches[2][1] == ["purpose.", "<pad>", "<pad>", "<pad>"]
    flat = [token for batch in batches for block in batch for token in block]
    assert flat[:len(words)] == words and set(flat[len(words):]) == {"<pad>"}
    # whole blocks of padding fill up the last batch when the text runs out earlier
    assert batching.batch_blocks(list("abcde"), 2, 2)[1] == [["e", "<pad>"], ["<pad>", "<pad>"]]


@pytest.mark.parametrize("block_size,batch_size", [(0, 2), (4, 0), (-1, 2), (4, -3)])
def test_batch_blocks_rejects_bad_sizes(block_size, batch_size):
    with pytest.raises(ValueError, match="must be a positive integer"):
        batching.batch_blocks(["a", "b"], block_size, batch_size)


def test_tokenizer_playground_switches_tokenizers(small_bpe):
    from workshop_utils.widgets import tokenizer_playground

    tokenizers = {"bpe": small_bpe, "index": text.IndexTokenizer.slide()}
    explorer = tokenizer_playground(tokenizers, text="I love pizza", draw=False)
    assert explorer.result["ids"] == small_bpe.encode("I love pizza").ids
    explorer.children[0].value = "index"
    assert explorer.result["pieces"] == ["I", "love", "pizza"] and explorer.result["ids"] == [0, 1, 8]
    assert "<span" in explorer.result["html"] and "pizza" in explorer.result["html"]


def test_encode_text_gives_exactly_the_ids_of_the_whole_text_even_for_indented_lines():
    from workshop_utils.text import encode_text, train_bpe

    code = "def f(x):\n    if x:\n        return 1\n    return 2\n\n" * 50
    tokenizer = train_bpe(code.split("\n\n"), 300)  # learns merges of a line break with spaces
    whole = tokenizer.encode(code, add_special_tokens=False).ids
    assert encode_text(tokenizer, code).tolist() == whole
    by_lines = [i for e in tokenizer.encode_batch(code.splitlines(keepends=True)) for i in e.ids]
    assert by_lines != whole  # why the text is not simply cut after every line break
    for text in ["a\n\nb", "x  \n  y\n", "\n\nstart", "café\n—\n  😀 end"]:
        assert encode_text(tokenizer, text).tolist() == tokenizer.encode(text, add_special_tokens=False).ids
    with pytest.raises(TypeError, match="encode_text takes one text"):
        encode_text(tokenizer, ["two", "texts"])


# --- SentencePiece-style tokenizers and what words cost (notebook 03) ---

@pytest.mark.parametrize("algorithm", ["bpe", "unigram"])
def test_sentencepiece_writes_a_space_as_the_start_of_the_next_piece(algorithm):
    tokenizer = text.train_sentencepiece(["To be, or not to be: that is the question.\n"] * 50, 60, algorithm)
    encoding = tokenizer.encode("to be or not")
    # the pieces are the text itself with every space (and one in front) written as "▁"
    assert "".join(encoding.tokens) == "▁to▁be▁or▁not"
    assert [t for t in encoding.tokens if "▁" in t] == [t for t in encoding.tokens if t.startswith("▁")]
    assert text.SENTENCEPIECE_SPACE + "be" in tokenizer.get_vocab()
    assert tokenizer.decode(encoding.ids) == "to be or not"
    unknown = tokenizer.token_to_id("<unk>")
    assert unknown in tokenizer.encode("to be 日本").ids  # characters, not bytes: never seen -> <unk>


def test_sentencepiece_pieces_may_hold_a_line_break_and_encode_text_stays_exact():
    tokenizer = text.train_sentencepiece(["HAMLET:\nTo be\n\nHAMLET:\nor not\n"] * 50, 80)
    sample = "HAMLET:\nTo be\n\nHAMLET:\nor not"
    assert any("\n" in t and any(c.isalpha() for c in t) for t in tokenizer.encode(sample).tokens)
    assert encode_text(tokenizer, sample).tolist() == tokenizer.encode(sample).ids


def test_train_sentencepiece_rejects_bad_input():
    with pytest.raises(ValueError, match="'bpe' or 'unigram'"):
        text.train_sentencepiece(["some text"], 60, algorithm="wordpiece")
    with pytest.raises(TypeError, match="list of texts"):
        text.train_sentencepiece("some text", 60)
    with pytest.raises(ValueError, match="non-empty"):
        text.train_sentencepiece([" "], 60)


def test_word_token_stats_counts_tokens_per_word_and_whole_words():
    sample = "a cat is a cat"
    bytes_only = text.train_bpe([sample], vocab_size=260)  # 256 bytes + 4 special tokens: no merges
    stats = text.word_token_stats(bytes_only, sample)
    assert stats["tokens"] == len(sample.encode()) == 14 and stats["words"] == 5
    assert stats["tokens_per_word"] == 14 / 5
    assert stats["letter_words"] == 5 and stats["single_token_share"] == 1 / 5  # only the first "a"
    saturated = text.train_bpe([sample] * 50, vocab_size=400)  # every word seen often: one token each
    stats = text.word_token_stats(saturated, sample)
    assert stats["tokens_per_word"] == 1.0 and stats["single_token_share"] == 1.0
    assert text.word_token_stats(saturated, "a, cat!")["letter_words"] == 2  # punctuation is no word
    with pytest.raises(ValueError, match="some words"):
        text.word_token_stats(saturated, "  ")
