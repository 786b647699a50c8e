import json
import pytest
import torch

from workshop_utils.data import split_of
from dataclasses import replace

from workshop_utils.classifier import (BagOfWords, GPTClassifier, accuracy, accuracy_interval, confusion_matrix,
                                       encode_batch, majority_accuracy, majority_baseline, optimizer_state_bytes,
                                       predict, random_init_like, set_trainable, split_accuracies,
                                       train_classifier, visible_text)
from workshop_utils.finetune import summarize_curve
from workshop_utils.genres import LABELS, genre_examples
from workshop_utils.recipes import CURVE_RECIPE, FULL_RECIPE, GENRE_RECIPE, recipe_dict
from workshop_utils.text import train_bpe


@pytest.fixture(scope="module")
def splits():
    return {split: genre_examples(split) for split in ("train", "val", "test")}


@pytest.fixture(scope="module")
def tokenizer():
    texts = ["To be, or not to be, that is the question.", "Now is the winter of our discontent",
             "If music be the food of love, play on."] * 20
    return train_bpe(texts, vocab_size=300)


CLASSIFIER_SHAPE = dict(block_size=32, n_layer=2)  # the GPT under every classifier here


@pytest.fixture
def tiny_classifier(tiny_model):
    """A factory: tiny_classifier(seed=0) -> a genre classifier on a seeded 2-block tiny GPT."""
    return lambda seed=0: GPTClassifier(tiny_model(seed, **CLASSIFIER_SHAPE))


def test_splits_share_no_scene(splits):
    scenes = {split: {e.scene_id for e in examples} for split, examples in splits.items()}
    assert not scenes["train"] & scenes["val"]
    assert not scenes["train"] & scenes["test"]
    assert not scenes["val"] & scenes["test"]
    for split, examples in splits.items():
        assert all(split_of(e.scene_id) == split for e in examples)


def test_genre_examples_are_balanced_and_repeatable(splits):
    for examples in splits.values():
        counts = [sum(e.label == label for e in examples) for label in range(len(LABELS))]
        assert len(set(counts)) == 1 and counts[0] > 50
        assert all(len(e.text) >= 200 for e in examples)
    assert genre_examples("test") == splits["test"]
    assert genre_examples("test", seed=1) != splits["test"]
    with pytest.raises(ValueError, match="split must be"):
        genre_examples("dev")


def test_baselines():
    assert majority_baseline([0, 1, 1, 2], [1, 1, 0, 2]) == 0.5
    texts = ["the king of england", "a merry jest indeed", "the king and france", "merry songs and jest"] * 5
    labels = [2, 0, 2, 0] * 5
    bag = BagOfWords(min_count=1).fit(texts, labels, steps=100)
    assert accuracy(bag.predict(["the king rides", "a merry song"]), [2, 0]) == 1.0
    with pytest.raises(ValueError, match="fit"):
        BagOfWords().predict(["x"])


def test_majority_control_with_its_interval():
    row = majority_accuracy([0, 1, 1, 2], torch.tensor([1, 1, 0, 2]))
    assert (row["label"], row["correct"], row["total"], row["accuracy"]) == (1, 2, 4, 0.5)
    assert row["low"] < 0.5 < row["high"]
    assert majority_accuracy([2, 1, 2, 1, 0], [1] * 3)["label"] == 1  # a tie: the smaller label
    assert majority_accuracy([0, 1, 2] * 5, [0, 1, 2] * 7)["accuracy"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="0 training labels"):
        majority_accuracy([], [1])
    assert accuracy_interval([1, 0, 1], [1, 1, 1])["correct"] == 2
    with pytest.raises(ValueError, match="one entry per example"):
        accuracy_interval([1, 0], [1, 1, 1])


def test_the_random_init_control_has_the_architecture_but_not_the_weights(tokenizer, tiny_model):
    pretrained = tiny_model(7, **CLASSIFIER_SHAPE)
    twin = random_init_like(pretrained, seed=0)
    assert twin.config == pretrained.config and twin is not pretrained
    shapes = {n: p.shape for n, p in twin.named_parameters()}
    assert shapes == {n: p.shape for n, p in pretrained.named_parameters()}
    assert not torch.equal(twin.transformer.wte.weight, pretrained.transformer.wte.weight)
    assert torch.equal(random_init_like(pretrained, seed=0).transformer.h[0].attn.c_attn.weight,
                       twin.transformer.h[0].attn.c_attn.weight)  # a seed fixes it
    texts = ["To be, or not to be", "If music be the food of love"] * 8
    ids, lengths = encode_batch(tokenizer, texts, 32)
    labels = torch.tensor([0, 1] * 8)
    rows = {}
    for name, gpt in (("pretrained", pretrained), ("twin", twin)):  # the same call trains both
        classifier = GPTClassifier(gpt, n_classes=2)
        train_classifier(classifier, ids, lengths, labels, part="last_block", steps=30, batch_size=8, lr=1e-2,
                         progress=False)
        sets = {"train": (ids, lengths, labels), "test": (ids[:4], lengths[:4], labels[:4])}
        rows[name] = split_accuracies(classifier, sets)
        assert list(rows[name]) == ["train", "test"] and rows[name]["test"]["total"] == 4
        assert rows[name]["train"]["accuracy"] == accuracy(predict(classifier, ids, lengths), labels)
    assert rows["twin"]["train"]["accuracy"] == 1.0


def test_encode_batch_pads_on_the_right(tokenizer):
    ids, lengths = encode_batch(tokenizer, ["To be", "To be, or not to be"], max_length=32)
    pad = tokenizer.token_to_id("<PAD>")
    assert lengths[0] < lengths[1] == ids.size(1)
    assert (ids[0, lengths[0]:] == pad).all() and (ids[0, :lengths[0]] != pad).all()
    short, _ = encode_batch(tokenizer, ["To be, or not to be"], max_length=3)
    assert short.shape == (1, 3)
    with pytest.raises(ValueError, match="empty"):
        encode_batch(tokenizer, [""], max_length=8)


def test_classifier_reads_the_last_real_token(tokenizer, tiny_classifier):
    classifier = tiny_classifier().eval()
    ids, lengths = encode_batch(tokenizer, ["To be", "To be, or not to be, that is the question."], 32)
    alone, alone_lengths = encode_batch(tokenizer, ["To be"], 32)
    with torch.no_grad():
        assert torch.allclose(classifier(ids, lengths)[0], classifier(alone, alone_lengths)[0], atol=1e-6)
    assert classifier(ids, lengths).shape == (2, 3)


def test_mean_pooling_ignores_padding_and_differs_from_last_token(tokenizer, tiny_model):
    gpt = tiny_model(**CLASSIFIER_SHAPE)
    mean, last = GPTClassifier(gpt, pooling="mean").eval(), GPTClassifier(gpt).eval()
    last.head.load_state_dict(mean.head.state_dict())
    ids, lengths = encode_batch(tokenizer, ["To be", "To be, or not to be, that is the question."], 32)
    alone, alone_lengths = encode_batch(tokenizer, ["To be"], 32)
    with torch.no_grad():
        assert torch.allclose(mean(ids, lengths)[0], mean(alone, alone_lengths)[0], atol=1e-6)
        hidden = gpt.transformer.ln_f(mean.hidden(alone))
        assert torch.allclose(mean.features(alone, alone_lengths), hidden.mean(1), atol=1e-6)
        assert not torch.allclose(mean(ids, lengths), last(ids, lengths))
    with pytest.raises(ValueError, match="pooling must be one of"):
        GPTClassifier(gpt, pooling="max")
    with pytest.raises(ValueError, match="at least 2 classes"):
        GPTClassifier(gpt, n_classes=1)


def test_visible_text_is_the_prefix_the_model_sees(tokenizer):
    texts = ["To be, or not to be, that is the question. " * 4, "To be"]
    seen = visible_text(tokenizer, texts, max_length=8)
    assert texts[0].startswith(seen[0]) and len(seen[0]) < len(texts[0])
    assert len(tokenizer.encode(seen[0]).ids) == 7  # 7 tokens of text + <EOS> = 8
    assert seen[1] == "To be"  # short texts are kept whole
    with pytest.raises(ValueError, match="at least 2"):
        visible_text(tokenizer, texts, max_length=1)


def test_curve_steps_and_summary():
    assert CURVE_RECIPE.steps(75) == CURVE_RECIPE.min_steps
    assert CURVE_RECIPE.steps(1200) == 4 * 1200 // 16
    assert CURVE_RECIPE.steps(10**6) == CURVE_RECIPE.max_steps
    rows = [{"per_class": 25, "seed": 0, "bag_of_words": 0.4, "gpt_last": 0.5},
            {"per_class": 25, "seed": 1, "bag_of_words": 0.6, "gpt_last": 0.5},
            {"per_class": 50, "seed": 0, "bag_of_words": 0.7, "gpt_last": 0.6}]
    summary = summarize_curve(rows)
    assert summary["bag_of_words"][25] == pytest.approx((0.5, 0.4, 0.6))
    assert summary["gpt_last"] == {25: (0.5, 0.5, 0.5), 50: (0.6, 0.6, 0.6)}


@pytest.mark.slow  # about 3 minutes: trains the curve's cheapest point again
def test_shipped_label_budget_curve_reproduces():
    """Rerun the cheapest point of data/results/genre-label-budget.json and get its numbers."""
    from workshop_utils.finetune import label_budget_curve, load_label_budget_curve

    shipped = load_label_budget_curve()
    rows = shipped["rows"]
    assert {(r["per_class"], r["seed"]) for r in rows} == {
        (b, s) for b in CURVE_RECIPE.budgets for s in CURVE_RECIPE.seeds}
    assert shipped["recipe"] == recipe_dict(CURVE_RECIPE) and shipped["test_examples"] == 249
    budget = min(CURVE_RECIPE.budgets)
    torch.set_num_threads(2)  # the thread count the shipped run used: the same sums, the same numbers
    again = label_budget_curve(recipe=replace(CURVE_RECIPE, budgets=(budget,), seeds=(0,)), progress=False)[0]
    expected = next(r for r in rows if r["per_class"] == budget and r["seed"] == 0)
    for method in ("bag_of_words", "gpt_last", "gpt_mean"):
        assert again[method] == pytest.approx(expected[method], abs=2 / 249), method
    with pytest.raises(FileNotFoundError, match="genre-curve"):
        load_label_budget_curve("no/such/file.json")


def test_shipped_lora_vs_full_results_match_the_recipes():
    from workshop_utils.finetune import load_lora_vs_full, load_result

    shipped = load_lora_vs_full()
    assert shipped["full"] == recipe_dict(FULL_RECIPE)
    assert shipped["lora"] == recipe_dict(GENRE_RECIPE) and shipped["lora"]["lora"]["r"] == 8
    assert [row["seed"] for row in shipped["rows"]] == [0, 1, 2]
    assert all(1 / 3 < row[m] < 1 for row in shipped["rows"] for m in ("full", "lora"))
    with pytest.raises(ValueError, match="name must be one of"):
        load_result("mmlu")


def test_genre_classifier_full_or_lora_on_a_copy(tiny_model):
    from workshop_utils.finetune import genre_classifier

    gpt = tiny_model(1, **CLASSIFIER_SHAPE)
    full, lora = genre_classifier(gpt, "full", seed=3), genre_classifier(gpt, "lora", seed=3)
    assert full.gpt is not gpt and torch.equal(full.head.weight, lora.head.weight)  # same seed, same head
    assert all(p.requires_grad for p in full.parameters())
    trainable = {n for n, p in lora.named_parameters() if p.requires_grad}
    assert trainable == {"head.weight", "head.bias"} | {f"gpt.transformer.h.{i}.attn.c_attn.lora_{m}"
                                                        for i in range(2) for m in "AB"}
    assert not any(hasattr(m, "lora_A") for m in gpt.modules())  # the original is untouched
    with pytest.raises(ValueError, match="method must be"):
        genre_classifier(gpt, "adapter")


def test_set_trainable_parts(tiny_classifier):
    classifier = tiny_classifier()
    head = set_trainable(classifier, "head")
    assert head == 16 * 3 + 3
    last = set_trainable(classifier, "last_block")
    block = sum(p.numel() for p in classifier.gpt.transformer.h[-1].parameters())
    assert last == head + block + 2 * 16  # + the final LayerNorm
    assert set_trainable(classifier, "full") == sum(p.numel() for p in classifier.parameters())
    with pytest.raises(ValueError, match="part must be one of"):
        set_trainable(classifier, "everything")


@pytest.mark.parametrize("part", ["head", "last_block", "full"])
def test_training_changes_only_its_part_and_learns(tokenizer, part, tiny_classifier):
    classifier = tiny_classifier()
    texts = ["To be, or not to be", "If music be the food of love"] * 8
    ids, lengths = encode_batch(tokenizer, texts, 32)
    labels = torch.tensor([0, 2] * 8)
    before = {n: p.detach().clone() for n, p in classifier.named_parameters()}
    losses, optimizer = train_classifier(classifier, ids, lengths, labels, part=part, steps=40,
                                         batch_size=8, lr=1e-2, progress=False)
    assert losses[-1] < losses[0]
    assert accuracy(predict(classifier, ids, lengths), labels) == 1.0
    changed = {n for n, p in classifier.named_parameters() if not torch.equal(p, before[n])}
    assert "head.weight" in changed
    assert ("gpt.transformer.h.0.attn.c_attn.weight" in changed) == (part == "full")
    assert ("gpt.transformer.h.1.attn.c_attn.weight" in changed) == (part != "head")
    trainable = sum(p.numel() for p in classifier.parameters() if p.requires_grad)
    n_tensors = sum(p.requires_grad for p in classifier.parameters())
    assert optimizer_state_bytes(optimizer) == 2 * 4 * trainable + 4 * n_tensors  # AdamW: 2 moments + step


def test_training_in_two_halves_equals_one_run(tokenizer, tiny_classifier):
    texts = ["To be, or not to be", "If music be the food of love", "Now is the winter"] * 4
    ids, lengths = encode_batch(tokenizer, texts, 32)
    labels = torch.tensor([0, 2, 1] * 4)
    whole = tiny_classifier()
    losses, _ = train_classifier(whole, ids, lengths, labels, steps=10, batch_size=4, lr=1e-2, progress=False)
    halves = tiny_classifier()
    first, optimizer = train_classifier(halves, ids, lengths, labels, steps=6, batch_size=4, lr=1e-2, progress=False)
    second, _ = train_classifier(halves, ids, lengths, labels, steps=4, batch_size=4, lr=1e-2, progress=False,
                                 optimizer=optimizer, first_step=6)
    assert first + second == losses
    assert all(torch.equal(a, b) for a, b in zip(whole.parameters(), halves.parameters()))


def test_confusion_matrix():
    counts = confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0])
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert counts.trace().item() / counts.sum().item() == pytest.approx(accuracy([0, 1, 1, 2, 0], [0, 0, 1, 2, 2]))


def test_genre_explorer(tokenizer, tiny_classifier):
    from workshop_utils.widgets import explore_genre, genre_explorer

    classifier = tiny_classifier()
    result = explore_genre(classifier, tokenizer, "To be, or not to be", draw=False)
    assert set(result["probabilities"]) == set(LABELS)
    assert sum(result["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    explorer = genre_explorer(classifier, tokenizer, draw=False)
    explorer.children[0].value = "If music be the food of love"
    assert explorer.result["prediction"] in LABELS
    assert explore_genre(classifier, tokenizer, "  ", draw=False)["probabilities"] is None


def test_shipped_fine_tuned_weights():
    from workshop_utils.finetune import load_genre_classifier
    from workshop_utils.paths import CHECKPOINT_DIR
    from workshop_utils.train import load_checkpoint

    instruct, lora = CHECKPOINT_DIR / "shakespeare-gpt-instruct", CHECKPOINT_DIR / "lora-genre"
    if not (instruct.is_dir() and lora.is_dir()):
        pytest.skip("fine-tuned weights not shipped in this checkout; run `make finetune`")
    for folder in (instruct, lora):
        assert sum(f.stat().st_size for f in folder.iterdir()) <= 25 * 2**20
    model, tokenizer, meta = load_checkpoint(instruct)
    base_config = load_checkpoint(CHECKPOINT_DIR / "shakespeare-gpt")[0].config
    assert model.config == base_config and tokenizer.token_to_id("<EOS>") is not None
    assert meta["metrics"]["held_out_format"] >= 0.9
    classifier, _, config = load_genre_classifier()
    assert config["labels"] == list(LABELS) and config["lora"] == GENRE_RECIPE.lora
    trainable = sum(p.numel() for p in classifier.parameters() if p.requires_grad)
    assert trainable == config["metrics"]["trainable_parameters"]
    assert trainable < 0.05 * sum(p.numel() for p in classifier.parameters())


def test_fine_tuning_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from workshop_utils import plots

    figures = [
        plots.plot_confusion_matrix(torch.tensor([[3, 1, 0], [0, 2, 2], [1, 0, 4]]), LABELS),
        plots.plot_accuracies({"bag of words": 0.6, "GPT": 0.4}, chance=1 / 3),
        plots.plot_label_budget({"bag_of_words": {25: (0.4, 0.3, 0.5), 50: (0.5, 0.5, 0.5)}}, chance=1 / 3),
        plots.plot_masked_targets(["Ċ", "Ham", "let"], [-100, 5, 2]),
        plots.plot_instruction_report({"tasks": {"genre": {"format": 0.0, "accuracy": 0.0}}},
                                      {"tasks": {"genre": {"format": 1.0, "accuracy": 0.5}}}),
        plots.plot_lora_ranks([{"model": "ours", "r": 1, "fraction": 0.01}, {"model": "ours", "r": 2, "fraction": 0.02}], 2),
    ]
    assert [t.get_text() for t in figures[0].axes[0].texts] == ["3", "1", "0", "0", "2", "2", "1", "0", "4"]
    assert [t.get_text() for t in figures[1].axes[0].texts] == ["60.0%", "40.0%"]
    assert len(figures[2].axes[0].lines) == 2 and figures[2].axes[0].get_xscale() == "log"  # curve + chance
    colors = [matplotlib.colors.to_hex(box.get_facecolor()) for box in figures[3].axes[0].patches]
    assert colors == ["#dddddd", "#ffb347", "#ffb347"]  # grey: no loss (-100); orange: trained
    assert [len(ax.patches) for ax in figures[4].axes] == [2, 2]  # base and tuned, per panel
    assert figures[5].axes[0].get_yscale() == "log" and len(figures[5].axes[0].lines) == 2  # + marked rank
    plt.close("all")


def test_label_budget_curve_resumes_with_the_rows_it_has(tmp_path, tiny_model, tiny_tokenizer, monkeypatch):
    """An interrupted curve, rerun into the same file, trains only the rows it lacks; another recipe
    or another base starts again."""
    from workshop_utils import finetune
    from workshop_utils.checkpoint import save_checkpoint

    base = save_checkpoint(tmp_path / "base", tiny_model(), tiny_tokenizer)
    recipe = replace(CURVE_RECIPE, budgets=(25,), seeds=(0, 1), poolings=("last",), max_length=8,
                     min_steps=1, max_steps=1)
    out = tmp_path / "curve.json"
    first = finetune.label_budget_curve(str(base), out=str(out), recipe=recipe, progress=False)
    assert [(r["per_class"], r["seed"]) for r in first] == [(25, 0), (25, 1)]
    rows_file = tmp_path / "curve.json.rows"
    saved = json.loads(rows_file.read_text())
    saved["rows"] = saved["rows"][:1]  # as if stopped after the first row
    rows_file.write_text(json.dumps(saved))

    calls = []
    real = finetune.train_classifier
    monkeypatch.setattr(finetune, "train_classifier", lambda *a, **k: (calls.append(k["seed"]), real(*a, **k))[1])
    again = finetune.label_budget_curve(str(base), out=str(out), recipe=recipe, progress=False)
    assert calls == [1] and again == first  # only the missing row trained, with the same result
    assert json.loads(out.read_text())["rows"] == first

    calls.clear()
    finetune.label_budget_curve(str(base), out=str(out), recipe=replace(recipe, lr=1e-3), progress=False)
    assert calls == [0, 1]  # another recipe: nothing kept
    other = save_checkpoint(tmp_path / "other", tiny_model(seed=1), tiny_tokenizer)
    calls.clear()
    finetune.label_budget_curve(str(other), out=str(out), recipe=replace(recipe, lr=1e-3), progress=False)
    assert calls == [0, 1]  # another base: nothing kept
