"""Interactive explorers: each wraps a pure function with ipywidgets.interactive.

Every builder RETURNS the `interactive` object, so tests can drive it headless: set
`explorer.children[i].value` and read `explorer.result` (what the wrapped function returned).
In a notebook, show it with `display(explorer)`.
Every name is re-exported here, so notebooks write `widgets.attention_explorer(...)`.
"""
from .activations import activation_explorer, explore_activation
from .app import text_generation_app
from .arc import arc_explorer, explore_arc_program
from .attention import (attention_explorer, explore_attention, explore_positional_encoding,
                        positional_encoding_explorer)
from .classifier import explore_genre, genre_explorer
from .embeddings import explore_neighbours, neighbours_explorer
from .generation import generation_explorer
from .instruct import explore_instruction, instruction_explorer
from .llm_facts import explore_model_memory, model_memory_explorer
from .lora import LORA_TARGET_SETS, explore_lora_ranks, lora_rank_explorer
from .model import explore_knockout, knockout_explorer
from .ngram import explore_next_word, next_word_explorer
from .text import TOKEN_COLOURS, explore_tokens, tokenizer_playground, tokens_html

__all__ = [
    "LORA_TARGET_SETS", "TOKEN_COLOURS", "activation_explorer", "arc_explorer",
    "attention_explorer", "explore_activation", "explore_arc_program", "explore_attention",
    "explore_genre", "explore_instruction", "explore_knockout", "explore_lora_ranks", "explore_model_memory",
    "explore_neighbours", "explore_next_word", "explore_positional_encoding", "explore_tokens",
    "generation_explorer", "genre_explorer", "instruction_explorer", "knockout_explorer", "lora_rank_explorer",
    "model_memory_explorer", "neighbours_explorer", "next_word_explorer",
    "positional_encoding_explorer", "text_generation_app", "tokenizer_playground", "tokens_html",
]
