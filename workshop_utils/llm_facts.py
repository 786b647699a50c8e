"""The numbers and dates of the slides' introduction ("What is an LLM", "A brief history").

Kept as data so the figures of notebook 00 are drawn from one place and the arithmetic
(bytes per parameter) can be checked.
"""
from __future__ import annotations

# "Putting the 'Large' in Large Language Model": datasets (tokens, bytes on disk).
DATASETS: dict[str, dict[str, float]] = {
    "CommonCrawl": {"tokens": 410e9, "bytes": 3.3e12},
    "Wikipedia": {"tokens": 3e9, "bytes": 83e9},
}
# Tokens each model was trained on.
TRAINING_TOKENS: dict[str, float] = {"GPT-3": 499e9, "Llama 2": 2e12, "Llama 3": 15e12}
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
