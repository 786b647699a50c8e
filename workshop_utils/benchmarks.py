"""Benchmark scoring as the leaderboards do it: MMLU, AlpacaEval win rates, Arena ratings.

Every formula follows ../shared/SPECS.md (hendrycks/test and lm-evaluation-harness for MMLU,
tatsu-lab/alpaca_eval for win rates, lm-sys/FastChat for Elo and Bradley-Terry). The pure
parts take numbers and return numbers; the model parts take a GPT and its tokenizer. ARC-AGI
lives in workshop_utils.arc; the corpus-built question sets and judges in
workshop_utils.benchmark_data.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import torch

from .paths import DATA_DIR

LETTERS = "ABCDEFGHIJ"  # MMLU uses A-D; MMLU-Pro up to J
LEADERBOARD_DIR = DATA_DIR / "leaderboards"


# --- MMLU-style multiple choice -------------------------------------------------------------

@dataclass(frozen=True)
class MultipleChoiceItem:
    subject: str
    question: str
    choices: tuple[str, ...]
    answer: int  # index of the right choice

    def __post_init__(self) -> None:
        if not 2 <= len(self.choices) <= len(LETTERS):
            raise ValueError(f"a question needs 2 to {len(LETTERS)} choices, got {len(self.choices)}")
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"answer must index one of the {len(self.choices)} choices, got {self.answer}")


def mmlu_header(subject: str) -> str:
    """The MMLU prompt's first line (underscores in a subject name become spaces)."""
    return f"The following are multiple choice questions (with answers) about {subject.replace('_', ' ')}.\n\n"


def format_mmlu_item(item: MultipleChoiceItem, with_answer: bool = False) -> str:
    """"question\\nA. ..\\nB. ..\\nAnswer:" and, for a few-shot example, " B\\n\\n"."""
    text = item.question + "".join(f"\n{LETTERS[i]}. {c}" for i, c in enumerate(item.choices))
    text += "\nAnswer:"
    return text + (f" {LETTERS[item.answer]}\n\n" if with_answer else "")


def format_mmlu_prompt(item: MultipleChoiceItem, few_shot: Sequence[MultipleChoiceItem] = ()) -> str:
    """Header, the few-shot examples with their answers, then the question to answer."""
    return (mmlu_header(item.subject) + "".join(format_mmlu_item(e, True) for e in few_shot)
            + format_mmlu_item(item))


def predict_choice(log_likelihoods: Sequence[float]) -> int:
    """The prediction: the option whose continuation is most likely (argmax)."""
    if len(log_likelihoods) == 0:
        raise ValueError("need at least one log-likelihood to choose from")
    return int(torch.tensor(log_likelihoods, dtype=torch.float64).argmax())


def choice_probabilities(log_likelihoods: Sequence[float]) -> list[float]:
    """Softmax over the options' log-likelihoods (the model's confidence among the letters)."""
    return torch.tensor(log_likelihoods, dtype=torch.float64).softmax(0).tolist()


def micro_macro_accuracy(correct_by_subject: dict[str, Sequence[bool]]) -> tuple[float, float]:
    """(micro, macro): all questions pooled, and the mean of per-subject accuracies."""
    if not correct_by_subject or any(len(v) == 0 for v in correct_by_subject.values()):
        raise ValueError("every subject needs at least one scored question")
    pooled = [bool(c) for v in correct_by_subject.values() for c in v]
    macro = sum(sum(map(bool, v)) / len(v) for v in correct_by_subject.values()) / len(correct_by_subject)
    return sum(pooled) / len(pooled), macro


def _encode(tokenizer, text: str) -> list[int]:
    encoded = tokenizer.encode(text)
    return list(encoded.ids) if hasattr(encoded, "ids") else list(encoded)


@torch.no_grad()
def continuation_log_likelihoods(model, tokenizer, prompt: str, continuations: Sequence[str]) -> list[float]:
    """log P(continuation | prompt) summed over its tokens, for each continuation.

    A prompt longer than the context keeps its last tokens (the question end matters most).
    """
    model.eval()
    device = next(model.parameters()).device
    prompt_ids = _encode(tokenizer, prompt)
    all_cont_ids = []
    for continuation in continuations:
        full = _encode(tokenizer, prompt + continuation)
        cont_ids = full[len(prompt_ids):]
        if full[:len(prompt_ids)] != prompt_ids or not cont_ids:
            cont_ids = _encode(tokenizer, continuation)  # tokenizer merged across the boundary
        all_cont_ids.append(cont_ids)
    if all(len(c) == 1 for c in all_cont_ids):  # one forward pass scores every one-token option
        x = torch.tensor([prompt_ids[-model.config.block_size:]], device=device)
        logp = model(x)[0][0, -1].log_softmax(-1)
        return [float(logp[c[0]]) for c in all_cont_ids]
    rows = [(prompt_ids + c)[-(model.config.block_size + 1):] for c in all_cont_ids]
    width = max(len(r) for r in rows) - 1
    x = torch.zeros(len(rows), width, dtype=torch.long, device=device)  # right padding: causal
    for i, row in enumerate(rows):                                       # positions never see it
        x[i, :len(row) - 1] = torch.tensor(row[:-1])
    logp = model(x)[0].log_softmax(-1)  # one batch for every option
    scores = []
    for i, (row, cont_ids) in enumerate(zip(rows, all_cont_ids)):
        positions = torch.arange(len(row) - 1 - len(cont_ids), len(row) - 1, device=device)
        scores.append(float(logp[i, positions, torch.tensor(cont_ids, device=device)].sum()))
    return scores


def score_multiple_choice(model, tokenizer, items: Sequence[MultipleChoiceItem],
                          few_shot: dict[str, Sequence[MultipleChoiceItem]] | None = None,
                          letters: bool = True) -> list[int]:
    """Predicted choice per item. letters=True: MMLU's letter scoring (" A".." D");
    letters=False: the option text itself as continuation (the "cloze" variant)."""
    predictions = []
    for item in items:
        prompt = format_mmlu_prompt(item, (few_shot or {}).get(item.subject, ()))
        options = ([f" {LETTERS[i]}" for i in range(len(item.choices))] if letters
                   else [f" {c}" for c in item.choices])
        predictions.append(predict_choice(continuation_log_likelihoods(model, tokenizer, prompt, options)))
    return predictions


# --- AlpacaEval-style win rates -------------------------------------------------------------

def check_preferences(preferences: Sequence[float]) -> torch.Tensor:
    prefs = torch.as_tensor(preferences, dtype=torch.float64).flatten()
    if prefs.numel() == 0:
        raise ValueError("no preferences given; judge at least one instruction")
    if bool(((prefs < 1) | (prefs > 2) | prefs.isnan()).any()):
        bad = [float(p) for p in prefs if not 1 <= float(p) <= 2]
        raise ValueError(f"preferences must lie in [1, 2] (1 = baseline wins, 2 = model wins, "
                         f"1.5 = tie), got {bad[:5]}")
    return prefs


def win_rate(preferences: Sequence[float]) -> float:
    """100 * mean(pref - 1): continuous preferences count fractionally."""
    return float(100 * (check_preferences(preferences) - 1).mean())


def discrete_win_rate(preferences: Sequence[float]) -> float:
    """100 * (wins + ties / 2) / n, rounding each preference to win / tie / loss."""
    prefs = check_preferences(preferences)
    wins, ties = int((prefs > 1.5).sum()), int((prefs == 1.5).sum())
    return 100 * (wins + ties / 2) / prefs.numel()


def length_feature(baseline_lengths: Sequence[float], model_lengths: Sequence[float]) -> torch.Tensor:
    """tanh(delta / sd(delta)), delta = len(baseline) - len(model), sd with ddof=1 (0 if sd=0)."""
    base = torch.as_tensor(baseline_lengths, dtype=torch.float64)
    mine = torch.as_tensor(model_lengths, dtype=torch.float64)
    if base.shape != mine.shape or base.dim() != 1:
        raise ValueError(f"need one baseline and one model length per instruction, got shapes "
                         f"{tuple(base.shape)} and {tuple(mine.shape)}")
    delta = base - mine
    sd = float(delta.std(unbiased=True)) if delta.numel() > 1 else 0.0
    return torch.tanh(delta / sd) if sd > 0 else torch.zeros_like(delta)


def fit_logistic(features: torch.Tensor, targets: torch.Tensor, l2: float = 0.0,
                 steps: int = 100) -> torch.Tensor:
    """Weights w minimising -sum[y log s + (1-y) log(1-s)] + l2/2 |w|^2, s = sigmoid(X w),
    by Newton's method with step halving; targets may be fractions in [0, 1]."""
    X, y = features.double(), targets.double()
    w = torch.zeros(X.size(1), dtype=torch.float64)

    def loss(w):
        z = X @ w
        return float(-(y * torch.nn.functional.logsigmoid(z) + (1 - y) * torch.nn.functional.logsigmoid(-z)).sum()
                     + l2 / 2 * (w @ w))

    for _ in range(steps):
        s = torch.sigmoid(X @ w)
        grad = X.T @ (s - y) + l2 * w
        hessian = X.T @ (X * (s * (1 - s))[:, None]) + (l2 + 1e-12) * torch.eye(X.size(1), dtype=torch.float64)
        step = torch.linalg.solve(hessian, grad)
        current, scale = loss(w), 1.0
        while scale > 1e-6 and loss(w - scale * step) > current + 1e-12:
            scale /= 2
        w = w - scale * step
        if float(grad.abs().max()) < 1e-10:
            break
    return w


def fit_length_controlled(preferences: Sequence[float], baseline_lengths: Sequence[float],
                          model_lengths: Sequence[float], difficulty: Sequence[float] | None = None,
                          l2: float = 1e-4) -> dict[str, float]:
    """AlpacaEval's GLM: P(model wins) = sigmoid(theta + phi tanh(delta/sd) [+ psi difficulty])."""
    prefs = check_preferences(preferences)
    columns = [torch.ones_like(prefs), length_feature(baseline_lengths, model_lengths)]
    if difficulty is not None:
        columns.append(torch.as_tensor(difficulty, dtype=torch.float64))
    if any(c.numel() != prefs.numel() for c in columns):
        raise ValueError(f"need one length (and difficulty) per preference; got {prefs.numel()} preferences")
    w = fit_logistic(torch.stack(columns, 1), prefs - 1, l2=l2)
    return dict(zip(("theta", "phi", "psi"), map(float, w)))


def lc_win_rate_from_parameters(theta: float, psi: float = 0.0,
                                difficulty: Sequence[float] | None = None) -> float:
    """100 * mean sigmoid(theta + psi * difficulty): the prediction with the length gap at 0."""
    d = torch.as_tensor([0.0] if difficulty is None else difficulty, dtype=torch.float64)
    return float(100 * torch.sigmoid(theta + psi * d).mean())


def length_controlled_win_rate(preferences: Sequence[float], baseline_lengths: Sequence[float],
                               model_lengths: Sequence[float], difficulty: Sequence[float] | None = None,
                               l2: float = 1e-4) -> float:
    """The LC win rate: what the win rate would be if both answers had the same length."""
    params = fit_length_controlled(preferences, baseline_lengths, model_lengths, difficulty, l2)
    return lc_win_rate_from_parameters(params["theta"], params.get("psi", 0.0), difficulty)


# --- Arena: online Elo and Bradley-Terry ----------------------------------------------------

OUTCOME_SCORES = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5}  # S for model_a


def _check_battles(battles: Iterable[tuple[str, str, str]], models: Sequence[str] | None):
    battles = list(battles)
    if not battles:
        raise ValueError("no battles given")
    seen = sorted({m for a, b, _ in battles for m in (a, b)})
    names = list(models) if models is not None else seen
    for a, b, outcome in battles:
        for name in (a, b):
            if name not in names:
                raise ValueError(f"battle {a!r} vs {b!r} names unknown model {name!r}; known models: "
                                 f"{names}. Add it to `models` or fix the name.")
        if a == b:
            raise ValueError(f"a battle needs two different models, got {a!r} twice")
        if outcome not in OUTCOME_SCORES:
            raise ValueError(f"outcome must be one of {list(OUTCOME_SCORES)}, got {outcome!r}")
    return battles, names


def online_elo(battles: Iterable[tuple[str, str, str]], models: Sequence[str] | None = None,
               k: float = 4.0, initial: float = 1000.0) -> dict[str, float]:
    """Elo updated battle by battle, in the order given: the result depends on that order."""
    battles, names = _check_battles(battles, models)
    ratings = {m: float(initial) for m in names}
    for a, b, outcome in battles:
        expected_a = 1 / (1 + 10 ** ((ratings[b] - ratings[a]) / 400))
        change = k * (OUTCOME_SCORES[outcome] - expected_a)
        ratings[a] += change
        ratings[b] -= change
    return ratings


def bradley_terry(battles: Iterable[tuple[str, str, str]], models: Sequence[str] | None = None,
                  l2: float = 0.0) -> dict[str, float]:
    """Maximum-likelihood ratings: P(a beats b) = sigmoid(ln10 (r_a - r_b)), 400 r + 1000, centred.

    Order does not matter. l2 > 0 adds l2 * sum(r^2), which keeps ratings finite when one model
    won every battle it played (separable data, common in small bootstrap resamples).
    """
    battles, names = _check_battles(battles, models)
    index = {m: i for i, m in enumerate(names)}
    n = len(battles)
    X = torch.zeros(n, len(names), dtype=torch.float64)
    for row, (a, b, _) in enumerate(battles):
        X[row, index[a]], X[row, index[b]] = math.log(10), -math.log(10)
    outcome = torch.tensor([OUTCOME_SCORES[o] for _, _, o in battles], dtype=torch.float64)
    centring = torch.ones(1, len(names), dtype=torch.float64) * math.sqrt(n)  # pins mean(r) = 0
    features = torch.cat([X, centring])
    targets = torch.cat([outcome, torch.tensor([0.5], dtype=torch.float64)])  # logit 0 -> sum r = 0
    r = fit_logistic(features, targets, l2=2 * l2)
    r = r - r.mean()
    return {m: float(400 * r[index[m]] + 1000) for m in names}


def bootstrap_bradley_terry(battles: Sequence[tuple[str, str, str]], models: Sequence[str] | None = None,
                            rounds: int = 100, seed: int = 0, l2: float = 0.01,
                            quantiles: tuple[float, float] = (0.025, 0.975)) -> dict[str, tuple[float, float]]:
    """(low, high) rating interval per model from `rounds` seeded resamples of the battles."""
    battles, names = _check_battles(battles, models)
    generator = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(rounds):
        picks = torch.randint(len(battles), (len(battles),), generator=generator).tolist()
        ratings = bradley_terry([battles[i] for i in picks], names, l2=l2)
        samples.append([ratings[m] for m in names])
    table = torch.tensor(samples, dtype=torch.float64)
    low, high = (torch.quantile(table, q, dim=0) for q in quantiles)
    return {m: (float(low[i]), float(high[i])) for i, m in enumerate(names)}


# --- the slides' leaderboards as data -------------------------------------------------------

def load_leaderboard(name: str, folder: str | Path = LEADERBOARD_DIR) -> list[dict]:
    """Rows of data/leaderboards/<name>.csv (lines starting with # are notes); numbers parsed."""
    path = Path(folder) / f"{name}.csv"
    if not path.is_file():
        known = sorted(p.stem for p in Path(folder).glob("*.csv"))
        raise ValueError(f"no leaderboard {name!r} in {folder}; choose one of {known}")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))

    def parse(value: str):
        try:
            return float(value)
        except ValueError:
            return value
    return [{key: parse(value) for key, value in row.items()} for row in rows]
