"""Where the project's shipped files live (data/ beside the package, in a clone or on Colab), and
where retraining writes first (runs/). Every shipped checkpoint and result is named here once."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
CHECKPOINT_DIR = DATA_DIR / "checkpoints"
RESULTS_DIR = DATA_DIR / "results"
RUNS_DIR = PROJECT_ROOT / "runs"  # run folders: retraining writes here, --install copies to data/

BASE_CHECKPOINT = CHECKPOINT_DIR / "shakespeare-gpt"  # the pretrained base (make pretrain)
SNAPSHOT_DIR = CHECKPOINT_DIR / "shakespeare-gpt-snapshots"  # the same run along the way (16-bit)
INSTRUCT_CHECKPOINT = CHECKPOINT_DIR / "shakespeare-gpt-instruct"  # make finetune: --task instruct
LORA_GENRE_ADAPTER = CHECKPOINT_DIR / "lora-genre"  # make finetune: --task lora-genre
LABEL_BUDGET_RESULT = RESULTS_DIR / "genre-label-budget.json"  # make finetune: --task genre-curve
LORA_VS_FULL_RESULT = RESULTS_DIR / "lora-vs-full.json"  # make finetune: --task lora-vs-full
