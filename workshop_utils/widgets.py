"""Interactive explorers: each wraps a pure function with ipywidgets.interactive.

Every builder RETURNS the `interactive` object, so tests can drive it headless: set
`explorer.children[i].value` and read `explorer.result` (what the wrapped function returned).
In a notebook, show it with `display(explorer)`.
"""
from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

# --- 00/01 ---
from .activations import activation_names, get_activation
from .llm_facts import BITS, MODELS, human_bytes, parameter_bytes
from .plots import plot_activation


def explore_model_memory(billions_of_parameters: float = 175.0, bits: int = 16) -> dict:
    """Bytes to store a model's weights at `bits` per parameter, next to the slide's models."""
    if billions_of_parameters <= 0:
        raise ValueError(f"billions_of_parameters must be > 0, got {billions_of_parameters}")
    size = parameter_bytes(billions_of_parameters * 1e9, bits)
    lines = [f"{billions_of_parameters:g}B parameters x {bits} bits / 8 = {human_bytes(size)}"]
    for name, model in MODELS.items():
        lines.append(f"  {name}: {model['parameters'] / 1e9:g}B parameters -> "
                     f"{human_bytes(parameter_bytes(model['parameters'], bits))}")
    print("\n".join(lines))
    return {"bytes": size, "text": lines[0]}


def model_memory_explorer() -> widgets.interactive:
    """Slider: billions of parameters; dropdown: number format (bits per parameter)."""
    return widgets.interactive(
        explore_model_memory,
        billions_of_parameters=widgets.FloatLogSlider(value=175, base=10, min=-1, max=3.5, step=0.05,
                                                      description="params (B)"),
        bits=widgets.Dropdown(options=[(f"{name} ({bits} bit)", bits) for name, bits in BITS.items()],
                              value=16, description="format"))


def explore_activation(name: str = "relu", parameter: float = 0.1, show_derivative: bool = True,
                       draw: bool = True) -> dict:
    """Draw one activation (and its derivative) and return its values at x = -2, -1, 0, 1, 2.

    `parameter` is the slope of Leaky ReLU, ELU's alpha or Maxout's second slope; the other
    activations have none and ignore it (the result then says parameter=None).
    """
    activation = get_activation(name)
    used = parameter if activation.parameter else None
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
    result = {"name": activation.name, "parameter": used, "x": x.tolist(),
              "y": [round(v, 6) for v in activation(x, used).tolist()],
              "derivative": [round(v, 6) for v in activation.grad(x, used).tolist()]
              if show_derivative else None}
    if draw:
        result["figure"] = plot_activation(activation.name, used, show_derivative)
        plt.show()
    return result


def activation_explorer(draw: bool = True) -> widgets.interactive:
    """Dropdown (activation), slider (its parameter), checkbox (derivative on/off).

    Picking an activation resets the slider to that activation's default and range, and
    disables it for activations without a parameter.
    """
    names = activation_names()
    dropdown = widgets.Dropdown(options=names, value="leaky_relu", description="function")
    slider = widgets.FloatSlider(value=0.1, min=0.0, max=0.9, step=0.05, description="parameter",
                                 continuous_update=False)
    checkbox = widgets.Checkbox(value=True, description="show derivative")

    def reset_slider(change: dict) -> None:  # registered before interactive's own observer
        activation = get_activation(change["new"])
        slider.disabled = activation.parameter is None
        if activation.parameter is not None:
            low, high = activation.parameter_range
            with slider.hold_trait_notifications():
                slider.min, slider.max = -1e9, 1e9  # widen first so no value is clamped
                slider.value = activation.default
                slider.min, slider.max = low, high
            slider.description = activation.parameter[:12]

    dropdown.observe(reset_slider, names="value")
    return widgets.interactive(explore_activation, name=dropdown, parameter=slider,
                               show_derivative=checkbox, draw=widgets.fixed(draw))


# --- 12/13 ---
import threading

from .app import GenerationResult, TextGenerationApp
from .arc import TRANSFORMATIONS, run_program
from .plots import draw_grid


def explore_arc_program(task: dict, first: str = "identity", second: str = "identity",
                        draw: bool = True) -> dict:
    """Apply first then second transformation to every input of an ARC task: does it fit?"""
    program = [name for name in (first, second) if name != "identity"] or ["identity"]
    pairs = task["train"] + task["test"]
    try:
        produced = [run_program(program, pair["input"]) for pair in pairs]
    except ValueError as error:
        print(f"{' then '.join(program)}: {error}")
        return {"program": program, "fits_train": False, "solves_test": False, "figure": None}
    fits = [out == pair["output"] for out, pair in zip(produced, pairs)]
    n_train = len(task["train"])
    result = {"program": program, "fits_train": all(fits[:n_train]), "solves_test": all(fits[n_train:])}
    print(f"{' then '.join(program)}: fits {sum(fits[:n_train])}/{n_train} training pairs; "
          f"test {'solved' if result['solves_test'] else 'not solved'}")
    figure = None
    if draw:
        figure, axes = plt.subplots(2, len(pairs), figsize=(2.1 * len(pairs), 4.2), squeeze=False)
        for i, (out, pair, ok) in enumerate(zip(produced, pairs, fits)):
            draw_grid(axes[0, i], pair["output"], "expected")
            draw_grid(axes[1, i], out, "program: " + ("same" if ok else "differs"))
        plt.show()
    result["figure"] = figure
    return result


def arc_explorer(tasks: dict[str, dict], draw: bool = True) -> widgets.interactive:
    """Dropdowns: a task, then two transformations from the solver's vocabulary."""
    names = list(TRANSFORMATIONS)
    return widgets.interactive(
        lambda task, first, second: explore_arc_program(tasks[task], first, second, draw),
        task=widgets.Dropdown(options=list(tasks), description="task"),
        first=widgets.Dropdown(options=names, value="identity", description="first"),
        second=widgets.Dropdown(options=names, value="identity", description="then"))


def text_generation_app(app: TextGenerationApp, threaded: bool = True) -> widgets.VBox:
    """Prompt box, settings, Generate and Stop buttons, streamed output and a status line.

    Generation runs in a background thread so Stop can interrupt it; threaded=False runs it in
    the click handler (tests). The returned box has .prompt, .max_new_tokens, .temperature,
    .greedy, .generate, .stop, .output, .status and .last_result (a GenerationResult).
    """
    box = widgets.VBox()
    box.prompt = widgets.Textarea(placeholder="Type an instruction, e.g. Write a line for a king.",
                                  description="prompt", layout=widgets.Layout(width="95%", height="70px"))
    box.max_new_tokens = widgets.IntSlider(60, min=1, max=app.max_new_tokens_limit, description="max tokens")
    box.temperature = widgets.FloatSlider(0.8, min=0.1, max=2.0, step=0.1, description="temperature")
    box.greedy = widgets.Checkbox(False, description="greedy (no sampling)")
    box.generate, box.stop = widgets.Button(description="Generate", button_style="primary"), widgets.Button(description="Stop")
    box.output = widgets.Textarea(description="output", layout=widgets.Layout(width="95%", height="140px"))
    box.status = widgets.HTML("")
    box.last_result = None

    def work() -> None:
        result = GenerationResult()
        try:
            for piece in app.stream(box.prompt.value, max_new_tokens=box.max_new_tokens.value,
                                    temperature=box.temperature.value, greedy=box.greedy.value, result=result):
                box.output.value += piece
            box.status.value = f"{result.tokens} tokens; stopped by: {result.stopped_by}"
        except ValueError as error:
            result.error, result.stopped_by = str(error), "invalid input"
            box.status.value = f"<b>Cannot generate:</b> {error}"
        box.last_result = result

    def on_generate(_) -> None:
        box.output.value, box.status.value = "", "generating..."
        if threaded:
            threading.Thread(target=work, daemon=True).start()
        else:
            work()

    box.generate.on_click(on_generate)
    box.stop.on_click(lambda _: app.stop())
    box.children = [box.prompt, widgets.HBox([box.max_new_tokens, box.temperature, box.greedy]),
                    widgets.HBox([box.generate, box.stop]), box.output, box.status]
    return box


# --- 06/07 ---
from .attention import gpt_attention_maps  # noqa: E402
from .plots import plot_attention, token_labels  # noqa: E402


def explore_attention(model, tokenizer, text: str = "All the world's a stage", layer: int = 0,
                      head: int = 0, causal: bool = True, draw: bool = True) -> dict:
    """Attention weights of one layer and head of a workshop GPT on `text` (heatmap if draw).

    causal=False shows the same queries and keys without the mask (the model was trained with
    it). Text longer than the context is cut to its first block_size tokens.
    """
    ids = torch.tensor(tokenizer.encode(text).ids[:model.config.block_size], dtype=torch.long)
    if len(ids) == 0:
        raise ValueError("type some text to see its attention weights")
    if not (0 <= layer < model.config.n_layer and 0 <= head < model.config.n_head):
        raise ValueError(f"layer must be in [0, {model.config.n_layer}) and head in "
                         f"[0, {model.config.n_head}), got layer={layer}, head={head}")
    device = next(model.parameters()).device
    weights = gpt_attention_maps(model, ids.unsqueeze(0).to(device), causal=causal)[layer][0, head].cpu()
    result = {"tokens": token_labels(tokenizer, ids), "weights": weights, "layer": layer,
              "head": head, "causal": causal}
    if draw:
        mask_note = "causal mask" if causal else "no mask"
        result["figure"] = plot_attention(weights, result["tokens"], annotate=False,
                                          title=f"layer {layer}, head {head} ({mask_note})")
        plt.show()
    return result


def attention_explorer(model, tokenizer, text: str = "All the world's a stage, and all the men "
                       "and women merely players", draw: bool = True) -> widgets.interactive:
    """Text box, layer and head sliders, causal-mask checkbox around explore_attention."""
    return widgets.interactive(
        explore_attention, model=widgets.fixed(model), tokenizer=widgets.fixed(tokenizer),
        text=widgets.Text(value=text, description="text", continuous_update=False,
                          layout=widgets.Layout(width="90%")),
        layer=widgets.IntSlider(0, 0, model.config.n_layer - 1, description="layer"),
        head=widgets.IntSlider(0, 0, model.config.n_head - 1, description="head"),
        causal=widgets.Checkbox(value=True, description="causal mask"), draw=widgets.fixed(draw))


# --- 02-05 ---
import html as _html  # noqa: E402

from IPython.display import HTML, display  # noqa: E402

from .attention import positional_encoding  # noqa: E402
from .plots import (plot_next_word_probabilities, plot_positional_encoding,  # noqa: E402
                    plot_positional_waves)
from .text import token_spans  # noqa: E402

TOKEN_COLOURS = ("#ffd6a5", "#caffbf", "#9bf6ff", "#bdb2ff", "#ffc6ff", "#fdffb6")


def explore_next_word(model, prompt: str = "my good", top: int = 10, draw: bool = True) -> dict:
    """The n-gram model's `top` most likely next words after a typed prompt.

    A prompt without any known word is reported (the model raises ValueError) instead of drawn.
    """
    try:
        pairs = model.next_word_probabilities(prompt, top=top)
    except ValueError as error:
        print(f"Cannot predict: {error}")
        return {"prompt": prompt, "pairs": [], "error": str(error)}
    print(" | ".join(f"{word} {p:.3f}" for word, p in pairs))
    result = {"prompt": prompt, "pairs": pairs, "error": None}
    if draw:
        result["figure"] = plot_next_word_probabilities(pairs, prompt)
        plt.show()
    return result


def next_word_explorer(model, prompt: str = "my good", draw: bool = True) -> widgets.interactive:
    """Text box (prompt) and slider (how many words) around explore_next_word."""
    return widgets.interactive(
        explore_next_word, model=widgets.fixed(model),
        prompt=widgets.Text(value=prompt, description="prompt", continuous_update=False),
        top=widgets.IntSlider(10, min=3, max=25, description="top words"),
        draw=widgets.fixed(draw))


def tokens_html(spans: list[tuple[str, int]]) -> str:
    """Coloured spans, one per token, with its id underneath: HTML for a notebook."""
    cells = []
    for i, (piece, token_id) in enumerate(spans):
        shown = _html.escape(piece).replace(" ", "&middot;").replace("\n", "&#9166;") or "&#8203;"
        cells.append(f'<span style="display:inline-block;background:{TOKEN_COLOURS[i % len(TOKEN_COLOURS)]};'
                     f'margin:1px;padding:1px 3px;border-radius:3px;font-family:monospace;'
                     f'text-align:center">{shown}<br><small>{token_id}</small></span>')
    return "<div>" + "".join(cells) + "</div>"


def explore_tokens(tokenizers: dict, name: str, text: str = "To be, or not to be",
                   draw: bool = True) -> dict:
    """Tokenize `text` with one of several tokenizers: pieces, ids and a coloured view."""
    if name not in tokenizers:
        raise ValueError(f"unknown tokenizer {name!r}; choose one of {list(tokenizers)}")
    spans = token_spans(tokenizers[name], text)
    result = {"name": name, "pieces": [p for p, _ in spans], "ids": [i for _, i in spans],
              "html": tokens_html(spans)}
    print(f"{len(spans)} tokens for {len(text)} characters ({len(text.split())} words)")
    if draw:
        display(HTML(result["html"]))
    return result


def tokenizer_playground(tokenizers: dict, text: str = "To be, or not to be: that is the question.",
                         draw: bool = True) -> widgets.interactive:
    """Dropdown (which tokenizer) and text box around explore_tokens."""
    return widgets.interactive(
        explore_tokens, tokenizers=widgets.fixed(tokenizers),
        name=widgets.Dropdown(options=list(tokenizers), description="tokenizer"),
        text=widgets.Text(value=text, description="text", continuous_update=False,
                          layout=widgets.Layout(width="90%")),
        draw=widgets.fixed(draw))


def explore_positional_encoding(d_model: int = 64, length: int = 50, draw: bool = True) -> dict:
    """The (length, d_model) sinusoidal encoding as a heatmap and as waves of a few dimensions."""
    encoding = positional_encoding(length, d_model)
    dimensions = sorted({0, 1, 2, d_model // 4 * 2, d_model - 2})
    result = {"shape": tuple(encoding.shape), "encoding": encoding, "dimensions": dimensions}
    if draw:
        result["figure"] = plot_positional_encoding(encoding)
        plt.show()
        result["waves"] = plot_positional_waves(encoding, dimensions)
        plt.show()
    return result


def positional_encoding_explorer(draw: bool = True) -> widgets.interactive:
    """Sliders: d_model (even) and the number of positions."""
    return widgets.interactive(
        explore_positional_encoding,
        d_model=widgets.IntSlider(64, min=2, max=256, step=2, description="d_model"),
        length=widgets.IntSlider(50, min=1, max=200, description="positions"),
        draw=widgets.fixed(draw))


def explore_neighbours(word_vectors, word: str = "king", top: int = 8) -> dict:
    """Nearest words to a typed word in a WordVectors table (a clear message if unknown)."""
    try:
        neighbours = word_vectors.most_similar(word.strip().lower(), top=top)
    except ValueError as error:
        print(f"Cannot look up: {error}")
        return {"word": word, "neighbours": [], "error": str(error)}
    print("\n".join(f"{w:>14}  {s:.3f}" for w, s in neighbours))
    return {"word": word, "neighbours": neighbours, "error": None}


def neighbours_explorer(word_vectors, word: str = "king") -> widgets.interactive:
    """Text box (a word) and slider (how many neighbours) around explore_neighbours."""
    return widgets.interactive(
        explore_neighbours, word_vectors=widgets.fixed(word_vectors),
        word=widgets.Text(value=word, description="word", continuous_update=False),
        top=widgets.IntSlider(8, min=1, max=20, description="neighbours"))


# --- 09-11 ---
from .lora import gpt3_lora_parameters, lora_parameter_count, lora_target_shapes  # noqa: E402
from .plots import plot_lora_ranks  # noqa: E402

LORA_TARGET_SETS = {  # name -> (our GPT's layer names, GPT-3's matrices)
    "attention q, v (LoRA paper)": (("c_attn",), ("q", "v")),
    "attention q, k, v": (("c_attn",), ("q", "k", "v")),
    "attention q, k, v + output": (("c_attn", "attn.c_proj"), ("q", "k", "v", "o")),
    "attention + MLP (every Linear in a block)": (("c_attn", "c_proj", "c_fc"),
                                                  ("q", "k", "v", "o", "mlp_in", "mlp_out")),
}


def explore_lora_ranks(model, r: int = 8, targets: str = "attention q, k, v", draw: bool = True) -> dict:
    """Trainable LoRA parameters and their share of the model, for our GPT and for GPT-3 175B.

    Our GPT computes q, k and v with one fused Linear (c_attn), so "q, v" adapts all three there.
    """
    ours, gpt3 = LORA_TARGET_SETS[targets]
    shapes = list(lora_target_shapes(model, ours).values())
    total = sum(p.numel() for p in model.parameters())
    rows = []
    for rank in (1, 2, 4, 8, 16, 32, 64):
        if rank <= min(min(s) for s in shapes):
            count = lora_parameter_count(shapes, rank)
            rows.append({"model": "our GPT", "r": rank, "trainable": count, "fraction": count / total})
        big = gpt3_lora_parameters(rank, gpt3)
        rows.append({"model": "GPT-3 175B", "r": rank, "trainable": big["trainable"], "fraction": big["fraction"]})
    ours_now = lora_parameter_count(shapes, r)
    gpt3_now = gpt3_lora_parameters(r, gpt3)
    result = {"r": r, "targets": targets, "layers adapted (ours)": len(shapes),
              "trainable (ours)": ours_now, "fraction (ours)": ours_now / total,
              "trainable (GPT-3)": gpt3_now["trainable"], "fraction (GPT-3)": gpt3_now["fraction"],
              "rows": rows}
    print(f"r={r}, {targets}\n  our GPT : {ours_now:>13,} trainable of {total:,} ({100 * ours_now / total:.3f}%)"
          f"\n  GPT-3   : {gpt3_now['trainable']:>13,} trainable of 175B ({100 * gpt3_now['fraction']:.4f}%)")
    if draw:
        result["figure"] = plot_lora_ranks(rows, marked_rank=r)
        plt.show()
    return result


def lora_rank_explorer(model, draw: bool = True) -> widgets.interactive:
    """Rank slider (1-64, powers of two) and a dropdown of target layers."""
    rank = widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64], value=8, description="rank r")
    targets = widgets.Dropdown(options=list(LORA_TARGET_SETS), value="attention q, k, v",
                               description="targets", layout=widgets.Layout(width="420px"))
    return widgets.interactive(explore_lora_ranks, model=widgets.fixed(model), r=rank,
                               targets=targets, draw=widgets.fixed(draw))


def explore_genre(classifier, tokenizer, text: str = "O, that this too too solid flesh would melt,\n"
                  "Thaw and resolve itself into a dew!", draw: bool = True) -> dict:
    """The classifier's probability for comedy, tragedy and history on any text you type."""
    from .finetune import LABELS, encode_batch

    if not text.strip():
        print("type a line or two of verse")
        return {"text": text, "probabilities": None}
    ids, lengths = encode_batch(tokenizer, [text], classifier.gpt.config.block_size)
    with torch.no_grad():
        probs = classifier.eval()(ids.to(classifier.head.weight.device), lengths).softmax(-1)[0].cpu()
    result = {"text": text, "probabilities": {label: round(p, 4) for label, p in zip(LABELS, probs.tolist())},
              "prediction": LABELS[int(probs.argmax())]}
    print(f"prediction: {result['prediction']}  ({', '.join(f'{k} {v:.2f}' for k, v in result['probabilities'].items())})")
    if draw:
        fig, ax = plt.subplots(figsize=(5, 1.8))
        ax.barh(list(LABELS), probs.tolist(), color="tab:blue")
        ax.set(xlim=(0, 1), xlabel="probability")
        fig.tight_layout()
        result["figure"] = fig
        plt.show()
    return result


def genre_explorer(classifier, tokenizer, draw: bool = True) -> widgets.interactive:
    box = widgets.Textarea(value="O, that this too too solid flesh would melt,\nThaw and resolve itself into a dew!",
                           description="passage", layout=widgets.Layout(width="600px", height="80px"),
                           continuous_update=False)
    return widgets.interactive(explore_genre, classifier=widgets.fixed(classifier),
                               tokenizer=widgets.fixed(tokenizer), text=box, draw=widgets.fixed(draw))


def explore_instruction(models: dict, tokenizer, instruction: str = "Who speaks this line?",
                        input: str = "To be, or not to be, that is the question:") -> dict:
    """Each model's greedy response to one Alpaca prompt, and whether it stopped with <EOS>."""
    from .instruct import InstructionExample, follows_format, format_prompt, respond

    try:
        format_prompt(instruction, input)
    except ValueError as error:
        print(error)
        return {"error": str(error)}
    example = InstructionExample("custom", instruction, input, "", "")
    result = {}
    for name, model in models.items():
        text, stopped = respond(model, tokenizer, [example])[0]
        result[name] = {"response": text, "stopped": stopped, "follows format": follows_format(text, stopped)}
        print(f"--- {name} ({'stopped with <EOS>' if stopped else 'no <EOS>: cut off'}):\n{text}")
    return result


def instruction_explorer(models: dict, tokenizer) -> widgets.interactive:
    instruction = widgets.Text(value="Who speaks this line?", description="instruction",
                               layout=widgets.Layout(width="600px"), continuous_update=False)
    text = widgets.Text(value="To be, or not to be, that is the question:", description="input",
                        layout=widgets.Layout(width="600px"), continuous_update=False)
    return widgets.interactive(explore_instruction, models=widgets.fixed(models),
                               tokenizer=widgets.fixed(tokenizer), instruction=instruction, input=text)


# --- 08 ---
from .pretrain import complete  # noqa: E402


def generation_explorer(model, tokenizer, prompt: str = "ROMEO:\n", seed: int = 0) -> widgets.interactive:
    """Prompt, temperature, top-k (0 = off), top-p (1 = off) and length -> the model's text."""

    def sample(prompt: str, temperature: float, top_k: int, top_p: float, length: int) -> dict:
        text = complete(model, tokenizer, prompt, max_new_tokens=length, temperature=temperature,
                        top_k=top_k or None, top_p=top_p if top_p < 1 else None, seed=seed)
        print(prompt + text)
        return {"prompt": prompt, "text": text}

    return widgets.interactive(
        sample,
        prompt=widgets.Textarea(value=prompt, description="prompt"),
        temperature=widgets.FloatSlider(value=0.8, min=0.05, max=2.0, step=0.05, description="temperature"),
        top_k=widgets.IntSlider(value=0, min=0, max=200, step=5, description="top-k (0 off)"),
        top_p=widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="top-p (1 off)"),
        length=widgets.IntSlider(value=60, min=5, max=300, step=5, description="new tokens"))
