"""The shipped recipes: every setting that makes a file in data/, as frozen dataclasses in one place.

  PRESETS          pretraining (notebook 08's live run, the shipped base, a smoke test)
  INSTRUCT_RECIPE  data/checkpoints/shakespeare-gpt-instruct (notebook 10)
  GENRE_RECIPE     data/checkpoints/lora-genre, the LoRA genre classifier (notebooks 11 and 12)
  FULL_RECIPE      full fine-tuning of the genre classifier (notebooks 09 and 11, lora-vs-full)
  CURVE_RECIPE     data/results/genre-label-budget.json (notebook 09)
  ABLATION_RECIPE  data/results/architecture-ablation.json and heads-sweep.json (notebooks 06, 07)

Each is made by `python -m workshop_utils pretrain|finetune ...` or a script (see data/README.md); a recipe
saved beside its output is `recipe_dict(recipe)`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass

from .lora import LoRAConfig
from .model import GPTConfig
from .train import TrainConfig


@dataclass(frozen=True)
class Preset:
    vocab_size: int
    model: GPTConfig
    train: TrainConfig
    description: str
    # fractions of max_steps at which a run keeps a 16-bit copy of its weights (0.0: the initial
    # weights), so a notebook can show the model becoming a language model (pretrain.py)
    snapshots: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if any(not 0.0 <= f < 1.0 for f in self.snapshots):
            raise ValueError(f"snapshot fractions must be in [0, 1) (the final model is saved anyway), "
                             f"got {self.snapshots}")


PRESETS = {
    # Retuned in 2026-12 (data/README.md): in a one-minute budget a small model taking many steps
    # beats a wider one taking few; 4 x 64 with context 64 is notebook 07's ablation shape. On the
    # four numeric paths of one machine (AVX-512 on 1 and 2 threads, AVX2, non-vectorised) it ends within 0.005.
    "live": Preset(4096, GPTConfig(block_size=64, vocab_size=4096, n_layer=4, n_head=4, n_embd=64),
                   TrainConfig(max_steps=1200, batch_size=16, learning_rate=4e-3, min_learning_rate=4e-4,
                               warmup_steps=60, eval_interval=100, eval_tokens=8192, log_interval=20),
                   "notebook 08's live run: about a minute on 2 CPU cores"),
    "shipped": Preset(1024, GPTConfig(block_size=128, vocab_size=1024, n_layer=4, n_head=4, n_embd=128),
                      TrainConfig(max_steps=3000, batch_size=16, learning_rate=3e-3, min_learning_rate=3e-4,
                                  warmup_steps=100, eval_interval=250, log_interval=25,
                                  checkpoint_interval=500),
                      "data/checkpoints/shakespeare-gpt (make pretrain: runs/shipped, then --install)"),
    # The 4,096-token base of issue 14, chosen by the size sweep (data/README.md): 4 x 192, context
    # 256, dropout 0.1, several passes over the training split; becomes "shipped" once trained.
    "base": Preset(4096, GPTConfig(block_size=256, vocab_size=4096, n_layer=4, n_head=6, n_embd=192, dropout=0.1),
                   TrainConfig(max_steps=7000, batch_size=16, learning_rate=3e-3, min_learning_rate=3e-4,
                               warmup_steps=200, eval_interval=250, log_interval=25, checkpoint_interval=250),
                   "the next shipped base (issue 14): runs/base, about 2 hours on 1 CPU thread",
                   snapshots=(0.0, 0.02, 0.1, 0.3)),
    "tiny": Preset(300, GPTConfig(block_size=32, vocab_size=300, n_layer=2, n_head=2, n_embd=32),
                   TrainConfig(max_steps=4, batch_size=8, learning_rate=1e-2, warmup_steps=1,
                               eval_interval=2, eval_tokens=2048, log_interval=1),
                   "a seconds-long smoke test (tests/test_ddp.py)"),
}


@dataclass(frozen=True)
class InstructRecipe:
    per_task: int = 2000  # training examples of each of the five tasks
    eval_per_task: int = 40  # held-out examples of each task (test split)
    steps: int = 300
    batch_size: int = 16
    lr: float = 2e-3
    seed: int = 0


@dataclass(frozen=True)
class FullFineTuneRecipe:
    steps: int = 300
    batch_size: int = 16
    lr: float = 3e-4


@dataclass(frozen=True)
class GenreRecipe:
    """The shipped LoRA genre classifier: LoRA on the attention's q, k, v projection + a new head."""
    train_per_class: int = 400
    max_length: int = 128  # tokens of each passage the classifier sees (the last one <EOS>)
    pooling: str = "last"
    lora: LoRAConfig = field(default_factory=lambda: LoRAConfig(r=8, alpha=16, targets=("c_attn",)))
    steps: int = 600
    batch_size: int = 16
    # lr 1e-3, not 3e-3: at 3e-3 the run was chaotic (test accuracy 53.8% on this machine's usual
    # kernels, 47.4% on its non-vectorised ones); at 1e-3 both give 54.2% (data/README.md)
    lr: float = 1e-3
    seed: int = 0


@dataclass(frozen=True)
class CurveRecipe:
    """Bag of words vs full fine-tuning for growing numbers of labelled passages per genre."""
    budgets: tuple[int, ...] = (25, 50, 100, 200, 400, 800, 1600)
    seeds: tuple[int, ...] = (0, 1, 2)
    poolings: tuple[str, ...] = ("last", "mean")
    max_length: int = 128
    batch_size: int = 16
    lr: float = 3e-4
    epochs: int = 4  # passes over the labelled passages, clamped to [min_steps, max_steps] steps
    min_steps: int = 100
    max_steps: int = 600

    def steps(self, n_examples: int) -> int:
        """Full fine-tuning steps for a training set: `epochs` passes, clamped to [min_steps, max_steps]."""
        steps = -(-self.epochs * n_examples // self.batch_size)
        return max(self.min_steps, min(self.max_steps, steps))


@dataclass(frozen=True)
class AblationRecipe:
    """The measured ablation of notebook 07 and the heads sweep of notebook 06 (ablation.py): the same
    steps, batches and schedule for every variant and every number of heads."""
    vocab_size: int = 4096  # the shipped tokenizer's size
    n_embd: int = 64
    block_size: int = 64
    steps: int = 600
    batch_size: int = 16
    learning_rate: float = 3e-3
    min_learning_rate: float = 3e-4
    warmup_steps: int = 50
    eval_tokens: int = 32768  # the first tokens of the validation split, the same for every run
    seeds: tuple[int, ...] = (0, 1, 2)

    def train_config(self, seed: int) -> TrainConfig:
        return TrainConfig(max_steps=self.steps, batch_size=self.batch_size, learning_rate=self.learning_rate,
                           min_learning_rate=self.min_learning_rate, warmup_steps=self.warmup_steps,
                           eval_interval=self.steps, eval_tokens=4096, log_interval=50, seed=seed)


ABLATION_RECIPE = AblationRecipe()


INSTRUCT_RECIPE = InstructRecipe()
FULL_RECIPE = FullFineTuneRecipe()
GENRE_RECIPE = GenreRecipe()
CURVE_RECIPE = CurveRecipe()


def recipe_dict(recipe) -> dict:
    """A recipe as JSON-ready values (tuples as lists, a nested LoRAConfig as its dict)."""
    if not is_dataclass(recipe):
        raise TypeError(f"expected a recipe dataclass, got {type(recipe).__name__}")

    def plain(value):
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(asdict(recipe))
