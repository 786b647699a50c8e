"""The numbers and dates of the slides' introduction ("What is an LLM", "A brief history").

Kept as data so the figures of notebook 00 are drawn from one place and the arithmetic
(bytes per parameter) can be checked.
"""
from __future__ import annotations

# "Putting the 'Large' in Large Language Model": datasets (tokens, bytes on disk), as the slide
# quotes them. The token counts are rows of GPT-3's Table 2.2 (Brown et al. 2020); the slide
# gives no source for the disk sizes.
DATASETS: dict[str, dict[str, float]] = {
    "CommonCrawl": {"tokens": 410e9, "bytes": 3.3e12},
    "Wikipedia": {"tokens": 3e9, "bytes": 83e9},
}
# The one sourced disk size: GPT-3's filtered CommonCrawl, "570GB after filtering, roughly
# equivalent to 400 billion byte-pair-encoded tokens" (Brown et al. 2020, section 2.2).
PAPER_BYTES: dict[str, float] = {"CommonCrawl": 570e9}
# Tokens each model was trained on (tokens seen in training, repeats counted).
TRAINING_TOKENS: dict[str, float] = {"GPT-3": 300e9, "Llama 2": 2e12, "Llama 3": 15e12}
# The slide's "Data used to train ...": for GPT-3 it is the size of the data mix, not training.
SLIDE_TRAINING_TOKENS: dict[str, float] = {"GPT-3": 499e9, "Llama 2": 2e12, "Llama 3": 15e12}
# GPT-3's data mix (Brown et al. 2020, Table 2.2): tokens in each source, its weight in the
# training mix, and "epochs elapsed when training for 300B tokens" (passes over the source).
GPT3_TRAINING_MIX: list[dict[str, float | str]] = [
    {"name": "CommonCrawl (filtered)", "tokens": 410e9, "weight": 0.60, "epochs": 0.44},
    {"name": "WebText2", "tokens": 19e9, "weight": 0.22, "epochs": 2.9},
    {"name": "Books1", "tokens": 12e9, "weight": 0.08, "epochs": 1.9},
    {"name": "Books2", "tokens": 55e9, "weight": 0.08, "epochs": 0.43},
    {"name": "Wikipedia", "tokens": 3e9, "weight": 0.03, "epochs": 3.4},
]
# Chinchilla (Hoffmann et al. 2022): 70B parameters trained on 1.4T tokens, about 20 tokens per
# parameter, the compute-optimal balance the paper found.
CHINCHILLA: dict[str, float] = {"parameters": 70e9, "tokens": 1.4e12}
# Model sizes: parameters and the disk size the slide quotes.
MODELS: dict[str, dict[str, float]] = {
    "GPT-3": {"parameters": 175e9, "slide_bytes": 350e9},
    "Llama 3": {"parameters": 405e9, "slide_bytes": 2e12},
}
# Bits per parameter for common number formats.
BITS = {"float32": 32, "float16 / bfloat16": 16, "int8": 8, "int4": 4}

# "A brief history": (first year, last year, the slide's label, era, examples); None = today.
HISTORY: list[tuple[int, int | None, str, str, str]] = [
    (1950, 2005, "1950s - 2000s", "Rule-based and statistical methods", "pre deep learning"),
    (2006, 2011, "2006 - 2011", "Early deep learning", "ReLU and other activation functions"),
    (2012, 2016, "2012 - 2016", "Deep learning breakthrough", "AlexNet, GAN, ResNet, Word2Vec, attention"),
    (2017, 2020, "2017 - 2020", "Transformers introduced", "BERT, GPT-2"),
    (2020, 2022, "2020 - 2022", "LLMs introduced", "GPT-3, DALL-E"),
    (2023, None, "2023 - present", "Instruction-tuned and agentic LLMs", "Claude, Gemini, Qwen, DeepSeek"),
]


def parameter_bytes(parameters: float, bits: int = 16) -> float:
    """Bytes needed to store `parameters` numbers of `bits` bits each (weights only)."""
    if parameters < 0:
        raise ValueError(f"parameters must be >= 0, got {parameters}")
    if bits <= 0 or bits % 1:
        raise ValueError(f"bits must be a positive whole number (32, 16, 8, 4), got {bits}")
    return parameters * bits / 8


def mix_tokens(mix: list[dict] = GPT3_TRAINING_MIX) -> float:
    """Tokens in a data mix: the sum over its sources (GPT-3's: 499B)."""
    return sum(float(source["tokens"]) for source in mix)


def tokens_seen(mix: list[dict] = GPT3_TRAINING_MIX) -> float:
    """Tokens a training run read from a mix: each source's tokens x its epochs (passes)."""
    for source in mix:
        if source["epochs"] < 0:
            raise ValueError(f"epochs must be >= 0, got {source['epochs']} for {source['name']}")
    return sum(float(source["tokens"]) * float(source["epochs"]) for source in mix)


def human_bytes(n: float) -> str:
    """1e9 -> '1 GB' (decimal units, as disk sizes are quoted)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def human_count(n: float) -> str:
    """499e9 -> '499B', 15e12 -> '15T' (token and parameter counts)."""
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return f"{n:.0f}"
