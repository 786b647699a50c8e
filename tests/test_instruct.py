import pytest
import torch
import torch.nn.functional as F

from workshop_utils.data import split_of
from workshop_utils.instruct import (MAX_RESPONSE_TOKENS, TASKS, InstructionExample, collate,
                                     encode_example, evaluate_instructions, follows_format,
                                     format_prompt, instruction_examples, is_correct, prompt_ids,
                                     train_instructions)
from workshop_utils.text import train_bpe


@pytest.fixture(scope="module")
def tokenizer():
    texts = ["Below is an instruction that describes a task. Write a response.",
             "### Instruction:\nWho speaks this line?\n\n### Input:\nTo be, or not to be\n\n### Response:\nHamlet"] * 20
    return train_bpe(texts, vocab_size=300)


def example(response: str = "Hamlet", task: str = "speaker") -> InstructionExample:
    return InstructionExample(task, "Who speaks this line?", "To be, or not to be", response, "Hamlet|3|1")


def test_alpaca_templates():
    assert format_prompt("Who speaks this line?", "To be") == (
        "Below is an instruction that describes a task, paired with an input that provides further "
        "context. Write a response that appropriately completes the request.\n\n"
        "### Instruction:\nWho speaks this line?\n\n### Input:\nTo be\n\n### Response:\n")
    assert format_prompt("Name a play.") == (
        "Below is an instruction that describes a task. Write a response that appropriately "
        "completes the request.\n\n### Instruction:\nName a play.\n\n### Response:\n")
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="instruction is empty"):
            format_prompt(empty, "some input")


def test_targets_mask_the_prompt_and_end_with_eos(tokenizer):
    ids, targets = encode_example(tokenizer, example(), block_size=64)
    prompt = prompt_ids(tokenizer, example(), 64)
    response = tokenizer.encode("Hamlet").ids + [tokenizer.token_to_id("<EOS>")]
    assert len(ids) == len(targets) == len(prompt) + len(response) - 1
    assert targets[:len(prompt) - 1] == [-100] * (len(prompt) - 1)
    assert targets[len(prompt) - 1:] == response
    assert ids[:len(prompt)] == prompt and len(prompt) == 64 - MAX_RESPONSE_TOKENS  # cut from the left


def test_collate_pads_inputs_and_ignores_padding(tokenizer):
    short = encode_example(tokenizer, example("Ham"), 64)
    long = encode_example(tokenizer, example("Hamlet Hamlet"), 64)
    ids, targets = collate([short, long], pad_id=tokenizer.token_to_id("<PAD>"))
    n = len(short[0])
    assert (ids[0, n:] == tokenizer.token_to_id("<PAD>")).all() and (targets[0, n:] == -100).all()


def test_masked_loss_ignores_prompt_tokens(tokenizer, tiny_model):
    model = tiny_model(block_size=64)
    ids, targets = collate([encode_example(tokenizer, example(), 64)], 0)
    logits, loss = model(ids, targets)
    kept = targets[0] != -100
    manual = F.cross_entropy(logits[0][kept], targets[0][kept])
    assert torch.allclose(loss, manual)
    other = example()
    other = InstructionExample(other.task, other.instruction, "Now is the winter", other.response, "")
    ids2, targets2 = collate([encode_example(tokenizer, other, 64)], 0)
    assert targets2[targets2 != -100].tolist() == targets[targets != -100].tolist()  # same trained tokens


def test_instruction_examples_tasks_splits_and_held_out():
    train = instruction_examples("train", per_task=50)
    test = instruction_examples("test", per_task=20)
    assert {e.task for e in test} == set(TASKS) and len(TASKS) >= 4
    assert len(test) == 20 * len(TASKS)
    assert all(split_of(e.scene_id) == "test" for e in test)
    assert not {(e.instruction, e.input) for e in train} & {(e.instruction, e.input) for e in test}
    assert any(e.input == "" for e in test) and any(e.input for e in test)  # both templates
    assert instruction_examples("test", per_task=20) == test
    genre = [e for e in test if e.task == "genre"]
    assert {e.response for e in genre} <= {"comedy", "tragedy", "history"}


def test_format_and_correctness_rules():
    assert follows_format("Hamlet", stopped=True)
    assert not follows_format("Hamlet", stopped=False)  # rambled on without <EOS>
    assert not follows_format("  ", stopped=True)
    assert not follows_format("Hamlet\nHORATIO: my lord", stopped=True)
    assert not follows_format("Hamlet ### Response", stopped=True)
    assert is_correct(example("Hamlet"), "hamlet.")
    assert not is_correct(example("Hamlet"), "Horatio")
    cont = InstructionExample("continue", "Continue this line.", "To be, or", "not to be", "")
    assert is_correct(cont, "not I") and not is_correct(cont, "perchance")


def test_training_learns_to_answer_and_stop(tokenizer, tiny_model):
    model = tiny_model(block_size=64)
    data = [example()] * 4
    before = evaluate_instructions(model, tokenizer, data)
    losses = train_instructions(model, tokenizer, data, steps=40, batch_size=4, lr=2e-2, progress=False)
    after = evaluate_instructions(model, tokenizer, data)
    assert losses[-1] < 0.1 < losses[0]
    assert after["format"] == 1.0 and after["accuracy"] == 1.0 > before["accuracy"]
    assert after["tasks"]["speaker"]["n"] == 4


def test_instruction_explorer(tokenizer, tiny_model):
    from workshop_utils.widgets import explore_instruction, instruction_explorer

    model = tiny_model(block_size=64)
    result = explore_instruction({"tiny": model}, tokenizer, "Who speaks this line?", "To be")
    assert set(result["tiny"]) == {"response", "stopped", "follows format"}
    explorer = instruction_explorer({"tiny": model}, tokenizer)
    explorer.children[0].value = ""
    assert "instruction is empty" in explorer.result["error"]
