"""Notebook 13: the text generation app (app.py) behind a prompt box and Generate / Stop buttons."""
from __future__ import annotations

import threading

import ipywidgets as widgets

from ..app import GenerationResult, TextGenerationApp


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
