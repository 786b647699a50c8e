"""Notebook 10: each model's response to an instruction you type (instruct.py)."""
from __future__ import annotations

import ipywidgets as widgets

from ..instruct import InstructionExample, follows_format, format_prompt, respond


def explore_instruction(models: dict, tokenizer, instruction: str = "Who speaks this line?",
                        input: str = "To be, or not to be, that is the question:") -> dict:
    """Each model's greedy response to one Alpaca prompt, and whether it stopped with <EOS>."""
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
    """Instruction and input boxes around explore_instruction."""
    instruction = widgets.Text(value="Who speaks this line?", description="instruction",
                               layout=widgets.Layout(width="600px"), continuous_update=False)
    text = widgets.Text(value="To be, or not to be, that is the question:", description="input",
                        layout=widgets.Layout(width="600px"), continuous_update=False)
    return widgets.interactive(explore_instruction, models=widgets.fixed(models),
                               tokenizer=widgets.fixed(tokenizer), instruction=instruction, input=text)
