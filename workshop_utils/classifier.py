"""Classification with a pretrained GPT (notebook 09) and the baselines it must beat.

GPTClassifier puts a small head on the GPT's hidden states (GPT.hidden_states); train_classifier
fine-tunes the head, the last block or everything (or LoRA adapters). The controls every accuracy
is shown with (issue 15): the majority class, bag of words, and the same architecture from random
initialisation (random_init_like) trained by the same call; split_accuracies gives train /
validation / test side by side, each with its 95% interval. The genre task is in genres.py, the
word-order task in word_order.py, the shipped runs in finetune.py.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .model import GPT
from .stats import accuracy_with_interval


def majority_accuracy(train_labels, test_labels) -> dict:
    """Always answering the most common training label (the smallest on a tie): {label, correct,
    total, accuracy, low, high} on the test labels, with the 95% interval."""
    counts = Counter(torch.as_tensor(train_labels).tolist())
    if not counts:
        raise ValueError("the majority class of 0 training labels is undefined")
    most_common = min(counts, key=lambda label: (-counts[label], label))
    test_labels = torch.as_tensor(test_labels)
    return {"label": most_common, **accuracy_interval(torch.full_like(test_labels, most_common), test_labels)}


def majority_baseline(train_labels: list[int], test_labels: list[int]) -> float:
    """Accuracy of always answering the most common training label."""
    return majority_accuracy(train_labels, test_labels)["accuracy"]


def words(text: str) -> list[str]:
    """Lower-case runs of letters (of any alphabet: café, naïve) and apostrophes: the bag's words."""
    return re.findall(r"(?:[^\W\d_]|')+", unicodedata.normalize("NFC", text).lower())


class BagOfWords:
    """Logistic regression on word counts (log(1 + count)), trained with torch: the honest baseline."""

    def __init__(self, min_count: int = 2):
        self.min_count, self.vocabulary, self.linear = min_count, {}, None

    def features(self, texts: list[str]) -> torch.Tensor:
        x = torch.zeros(len(texts), len(self.vocabulary))
        for row, text in enumerate(texts):
            for word in words(text):
                if word in self.vocabulary:
                    x[row, self.vocabulary[word]] += 1
        return torch.log1p(x)

    def fit(self, texts: list[str], labels: list[int], steps: int = 300, lr: float = 0.05,
            weight_decay: float = 1e-3, seed: int = 0) -> BagOfWords:
        counts: dict[str, int] = {}
        for text in texts:
            for word in words(text):
                counts[word] = counts.get(word, 0) + 1
        kept = sorted(w for w, c in counts.items() if c >= self.min_count)
        self.vocabulary = {w: i for i, w in enumerate(kept)}
        x, y = self.features(texts), torch.tensor(labels)
        torch.manual_seed(seed)
        self.linear = nn.Linear(x.size(1), int(y.max()) + 1)
        optimizer = torch.optim.Adam(self.linear.parameters(), lr=lr, weight_decay=weight_decay)
        for _ in range(steps):  # full batch: the data is small
            loss = F.cross_entropy(self.linear(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return self

    @torch.no_grad()
    def predict(self, texts: list[str]) -> torch.Tensor:
        if self.linear is None:
            raise ValueError("call fit(texts, labels) before predict")
        return self.linear(self.features(texts)).argmax(dim=-1)


def visible_text(tokenizer, texts: list[str], max_length: int) -> list[str]:
    """The part of each text that fits in max_length - 1 tokens: what a GPT classifier sees
    (genre_tensors keeps the last place for <EOS>). Give baselines the same text for a fair race."""
    if max_length < 2:
        raise ValueError(f"max_length must be at least 2 (one token and <EOS>), got {max_length}")
    cut = []
    for text, encoding in zip(texts, tokenizer.encode_batch(texts)):
        offsets = encoding.offsets[:max_length - 1]
        cut.append(text[:offsets[-1][1]] if len(encoding.offsets) > max_length - 1 and offsets else text)
    return cut


def encode_batch(tokenizer, texts: list[str], max_length: int,
                 end_token: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids (N, T) padded on the right with <PAD>, and each text's length in tokens.

    Texts are cut to max_length tokens; with end_token (e.g. "<EOS>") that token is appended
    after the cut, so the sequence always ends with it.
    """
    if any(not text.strip() for text in texts):
        raise ValueError("an empty text cannot be classified; drop empty strings first")
    pad_id = tokenizer.token_to_id("<PAD>")
    encoded = [e.ids[:max_length - (end_token is not None)] for e in tokenizer.encode_batch(texts)]
    if end_token is not None:
        encoded = [ids + [tokenizer.token_to_id(end_token)] for ids in encoded]
    width = max(len(ids) for ids in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    for row, tokens in enumerate(encoded):
        ids[row, :len(tokens)] = torch.tensor(tokens)
    return ids, torch.tensor([len(t) for t in encoded])


POOLINGS = ("last", "mean")


class GPTClassifier(nn.Module):
    """A pretrained GPT whose language-model head is replaced by a small classification head.

    pooling="last" (GPT-1, the slides): the head reads the hidden state of each sequence's LAST
    real token; with causal attention it is the only position that has seen the whole text.
    pooling="mean": the head reads the average hidden state over the real tokens (padding left
    out), which gives a small model's head every position to learn from.
    """

    def __init__(self, gpt: nn.Module, n_classes: int = 3, pooling: str = "last"):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if n_classes < 2:
            raise ValueError(f"a classifier needs at least 2 classes, got n_classes={n_classes}")
        self.gpt, self.n_classes, self.pooling = gpt, n_classes, pooling
        self.head = nn.Linear(gpt.config.n_embd, n_classes)

    def hidden(self, idx: torch.Tensor, first: int = 0, x: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden states after all blocks; start at block `first` from given states x if any."""
        return self.gpt.hidden_states(idx, x=x, first=first)

    def features(self, idx: torch.Tensor, lengths: torch.Tensor, **kwargs) -> torch.Tensor:
        x = self.gpt.transformer.ln_f(self.hidden(idx, **kwargs))
        lengths = lengths.to(x.device)
        if self.pooling == "mean":
            real = (torch.arange(x.size(1), device=x.device)[None, :] < lengths[:, None]).to(x.dtype)  # (B, T)
            return (x * real[..., None]).sum(1) / lengths[:, None].to(x.dtype)  # (B, C)
        return x[torch.arange(x.size(0), device=x.device), lengths - 1]  # (B, C)

    def forward(self, idx: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(idx, lengths))  # (B, n_classes)


TRAINABLE = ("head", "last_block", "full")


def set_trainable(classifier: GPTClassifier, part: str) -> int:
    """Freeze everything except the head / the last block + final norm + head / nothing."""
    if part not in TRAINABLE:
        raise ValueError(f"part must be one of {TRAINABLE}, got {part!r}")
    classifier.requires_grad_(part == "full")
    if part == "last_block":
        classifier.gpt.transformer.h[-1].requires_grad_(True)
        classifier.gpt.transformer.ln_f.requires_grad_(True)
    classifier.head.requires_grad_(True)
    return sum(p.numel() for p in classifier.parameters() if p.requires_grad)


@torch.no_grad()
def frozen_inputs(classifier: GPTClassifier, ids: torch.Tensor, lengths: torch.Tensor, part: str,
                  batch_size: int = 64) -> torch.Tensor:
    """What the frozen layers hand to the trainable ones, computed once instead of every step."""
    classifier.eval()
    chunks = []
    for i in range(0, len(ids), batch_size):
        idx = ids[i:i + batch_size].to(classifier.head.weight.device)
        if part == "head":
            chunks.append(classifier.features(idx, lengths[i:i + batch_size]))
        else:  # run every block but the last one
            chunks.append(classifier.gpt.hidden_states(idx, last=len(classifier.gpt.transformer.h) - 1))
    return torch.cat(chunks)


def train_classifier(classifier: GPTClassifier, ids: torch.Tensor, lengths: torch.Tensor,
                     labels: torch.Tensor, part: str = "full", steps: int = 100,
                     batch_size: int = 32, lr: float = 3e-4, seed: int = 0, progress: bool = True,
                     optimizer: torch.optim.Optimizer | None = None,
                     first_step: int = 0) -> tuple[list[float], torch.optim.Optimizer]:
    """Fixed-step AdamW fine-tuning of `part` (see set_trainable); returns losses and optimizer.

    With a LoRA-wrapped GPT, pass part="lora" to train whatever is already trainable.
    To continue a run, pass the optimizer it returned and first_step = the steps it has done:
    the batches then go on where they stopped, so two halves equal one whole run.
    """
    _check_examples("training", ids, lengths, labels)
    if part != "lora":
        set_trainable(classifier, part)
    device = classifier.head.weight.device
    cached = frozen_inputs(classifier, ids, lengths, part) if part in ("head", "last_block") else None
    params = [p for p in classifier.parameters() if p.requires_grad]
    optimizer = optimizer or torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(first_step):  # skip the batches the first part of the run has used
        torch.randint(0, len(ids), (batch_size,), generator=generator)
    labels, losses = labels.to(device), []
    classifier.train()
    for _ in tqdm(range(steps), desc=f"train {part}", disable=not progress):
        batch = torch.randint(0, len(ids), (batch_size,), generator=generator)
        idx, length = ids[batch].to(device), lengths[batch].to(device)
        if part == "head":
            logits = classifier.head(cached[batch])
        elif part == "last_block":
            logits = classifier.head(classifier.features(idx, length, first=len(classifier.gpt.transformer.h) - 1, x=cached[batch]))
        else:
            logits = classifier(idx, length)
        loss = F.cross_entropy(logits, labels[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    classifier.eval()
    return losses, optimizer


def _check_examples(what: str, ids: torch.Tensor, lengths: torch.Tensor,
                    labels: torch.Tensor | None = None) -> None:
    """Refuse an empty set of examples, or ids, lengths and labels of different lengths."""
    if len(ids) == 0:
        raise ValueError(f"the {what} set is empty (0 examples); check how it was made, e.g. "
                         "genre_tensors(tokenizer, genre_examples('train'), 128) and training_subset(...)")
    sizes = [len(ids), len(lengths)] + ([] if labels is None else [len(labels)])
    if len(set(sizes)) > 1:
        raise ValueError(f"the {what} set's ids, lengths{'' if labels is None else ' and labels'} "
                         f"must have one row per example, got {' vs '.join(map(str, sizes))}; "
                         "make them together with genre_tensors(...)")


@torch.no_grad()
def predict(classifier: GPTClassifier, ids: torch.Tensor, lengths: torch.Tensor,
            batch_size: int = 64) -> torch.Tensor:
    _check_examples("evaluation", ids, lengths)
    classifier.eval()
    device = classifier.head.weight.device
    return torch.cat([classifier(ids[i:i + batch_size].to(device), lengths[i:i + batch_size].to(device)).argmax(-1).cpu()
                      for i in range(0, len(ids), batch_size)])


def accuracy(predictions, labels) -> float:
    predictions, labels = torch.as_tensor(predictions), torch.as_tensor(labels)
    if labels.numel() == 0:
        raise ValueError("accuracy of 0 examples is undefined; the evaluation set is empty")
    if predictions.shape != labels.shape:
        raise ValueError(f"predictions {tuple(predictions.shape)} and labels {tuple(labels.shape)} "
                         "must have one entry per example")
    return (predictions == labels).float().mean().item()


def accuracy_interval(predictions, labels) -> dict:
    """accuracy() with its count and 95% Wilson interval: {correct, total, accuracy, low, high}."""
    accuracy(predictions, labels)  # the same checks
    correct = int((torch.as_tensor(predictions) == torch.as_tensor(labels)).sum())
    return accuracy_with_interval(correct, torch.as_tensor(labels).numel())


def split_accuracies(classifier: GPTClassifier, splits: dict[str, tuple[torch.Tensor, ...]]) -> dict[str, dict]:
    """{name: accuracy_interval} of one trained classifier on each named set of (ids, lengths,
    labels), e.g. {"train": genre_tensors(...), "val": ..., "test": ...}: side by side, the gap
    between train and test is what it memorised."""
    return {name: accuracy_interval(predict(classifier, ids, lengths), labels.cpu())
            for name, (ids, lengths, labels) in splits.items()}


def random_init_like(gpt: GPT, seed: int = 0) -> GPT:
    """The control for pretraining: a GPT of the same architecture (gpt.config), with the fresh
    random weights of GPT(config) for `seed`, on gpt's device. Wrap it in GPTClassifier and train
    it with the same train_classifier call as the pretrained one."""
    torch.manual_seed(seed)
    return GPT(gpt.config).to(next(gpt.parameters()).device)


def confusion_matrix(labels, predictions, n_classes: int = 3) -> torch.Tensor:
    """counts[true, predicted]: rows are the real class, columns what the model said."""
    counts = torch.zeros(n_classes, n_classes, dtype=torch.long)
    for true, guess in zip(torch.as_tensor(labels).tolist(), torch.as_tensor(predictions).tolist()):
        counts[true, guess] += 1
    return counts


def optimizer_state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes held by the optimizer's state tensors (AdamW: two moments per trainable weight)."""
    return sum(v.numel() * v.element_size() for state in optimizer.state.values()
               for v in state.values() if torch.is_tensor(v))
