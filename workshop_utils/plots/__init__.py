"""Static matplotlib figures for the notebooks. Each function returns its Figure.

One module per idea, named for the module whose results it draws (plots/attention.py draws what
attention.py computes); a notebook cell calls one function and ends with plt.show(). Every name
is re-exported here, so notebooks write `plots.plot_attention(...)`.
"""
from .activations import plot_activation, plot_activations_together, plot_all_activations
from .arc import ARC_COLORMAP, draw_grid, plot_arc_task
from .attention import (plot_attention, plot_attention_grid, plot_attention_heads, plot_attention_over_training,
                        plot_decoder_blocks, plot_masked_example, plot_position_similarity,
                        plot_positional_encoding, plot_positional_waves, plot_score_scaling,
                        plot_seq2seq_bottleneck)
from .benchmarks import (plot_accuracy_by_subject, plot_alpaca_leaderboard, plot_arc_leaderboard,
                         plot_lmarena_ranks, plot_mmlu_pro, plot_padding_effect, plot_ratings)
from .classifier import plot_accuracies, plot_confusion_matrix, plot_label_budget
from .data import GPT3_CORPUS, plot_genre_counts, plot_pretraining_corpus
from .embeddings import plot_similarity_heatmap, plot_word_map
from .generation import plot_generation_speed
from .instruct import plot_instruction_report, plot_masked_targets
from .llm_facts import plot_data_sizes, plot_gpt3_training_mix, plot_history_timeline, plot_model_sizes
from .lora import plot_lora_ranks
from .model import (plot_ablation, plot_gpt_diagram, plot_heads_sweep, plot_knockout, plot_knockout_table,
                    plot_layer_norm_effect)
from .ngram import plot_neural_bigram_training, plot_next_word_probabilities
from .nn_basics import (plot_decision_boundaries, plot_descent_steps, plot_fit_losses,
                        plot_gradient_by_depth)
from .text import plot_tokenizer_tradeoff, token_labels
from .train import LiveLossPlot, plot_losses, plot_training_history, plot_training_series

__all__ = [
    "ARC_COLORMAP", "GPT3_CORPUS", "LiveLossPlot", "draw_grid", "plot_accuracies",
    "plot_accuracy_by_subject", "plot_activation", "plot_activations_together", "plot_all_activations",
    "plot_alpaca_leaderboard", "plot_arc_leaderboard", "plot_arc_task", "plot_attention",
    "plot_attention_grid", "plot_attention_heads", "plot_attention_over_training", "plot_confusion_matrix", "plot_data_sizes",
    "plot_decision_boundaries", "plot_decoder_blocks", "plot_descent_steps", "plot_fit_losses",
    "plot_generation_speed",
    "plot_ablation", "plot_genre_counts", "plot_gpt3_training_mix", "plot_gpt_diagram", "plot_gradient_by_depth",
    "plot_heads_sweep", "plot_knockout", "plot_knockout_table",
    "plot_history_timeline", "plot_instruction_report", "plot_label_budget",
    "plot_layer_norm_effect", "plot_lmarena_ranks", "plot_lora_ranks", "plot_losses",
    "plot_masked_example", "plot_masked_targets", "plot_mmlu_pro", "plot_model_sizes",
    "plot_neural_bigram_training", "plot_next_word_probabilities", "plot_padding_effect",
    "plot_position_similarity", "plot_positional_encoding",
    "plot_positional_waves", "plot_pretraining_corpus", "plot_ratings", "plot_score_scaling",
    "plot_seq2seq_bottleneck", "plot_similarity_heatmap", "plot_tokenizer_tradeoff",
    "plot_training_history", "plot_training_series", "plot_word_map", "token_labels",
]
