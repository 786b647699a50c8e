"""Explorers driven headless: set a widget's value, read what the wrapped function returned."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from workshop_utils import widgets as W  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- 00/01 ---
def controls(explorer):
    name, parameter, derivative = explorer.children[:3]
    return name, parameter, derivative


def test_activation_explorer_starts_on_the_slides_leaky_relu():
    explorer = W.activation_explorer(draw=False)
    name, parameter, derivative = controls(explorer)
    assert name.value == "leaky_relu" and parameter.value == 0.1 and derivative.value is True
    assert explorer.result["y"] == [-0.2, -0.1, 0.0, 1.0, 2.0]
    assert explorer.result["derivative"] == [0.1, 0.1, 0.1, 1.0, 1.0]


def test_changing_the_parameter_changes_the_result():
    explorer = W.activation_explorer(draw=False)
    _, parameter, _ = controls(explorer)
    parameter.value = 0.3
    assert explorer.result["parameter"] == 0.3
    assert explorer.result["y"][:2] == [-0.6, -0.3]


def test_picking_a_function_resets_the_slider_to_its_default_and_range():
    explorer = W.activation_explorer(draw=False)
    name, parameter, _ = controls(explorer)
    name.value = "elu"
    assert (parameter.value, parameter.min, parameter.max) == (1.0, 0.0, 2.0)
    assert explorer.result["name"] == "elu" and explorer.result["parameter"] == 1.0
    assert explorer.result["y"][1] == pytest.approx(-0.632121)
    parameter.value = 0.5
    assert explorer.result["y"][1] == pytest.approx(-0.316060)
    name.value = "maxout"
    assert parameter.value == -0.5 and parameter.min == -1.0
    assert explorer.result["y"] == [1.0, 0.5, 0.0, 1.0, 2.0]


def test_functions_without_a_parameter_disable_the_slider():
    explorer = W.activation_explorer(draw=False)
    name, parameter, _ = controls(explorer)
    name.value = "sigmoid"
    assert parameter.disabled
    assert explorer.result["parameter"] is None
    assert explorer.result["y"][2] == 0.5 and explorer.result["derivative"][2] == 0.25
    name.value = "leaky_relu"
    assert not parameter.disabled and parameter.value == 0.1


def test_derivative_checkbox():
    explorer = W.activation_explorer(draw=False)
    _, _, derivative = controls(explorer)
    derivative.value = False
    assert explorer.result["derivative"] is None


def test_drawing_returns_the_figure():
    explorer = W.activation_explorer(draw=True)
    figure = explorer.result["figure"]
    assert len(figure.axes[0].lines) == 4  # function, derivative, two axis lines
    controls(explorer)[2].value = False
    assert len(explorer.result["figure"].axes[0].lines) == 3


def test_explore_activation_directly_and_bad_names():
    result = W.explore_activation("tanh", 123.0, show_derivative=True, draw=False)
    assert result["parameter"] is None and result["y"][2] == 0.0 and result["derivative"][2] == 1.0
    with pytest.raises(ValueError, match="choose one of"):
        W.explore_activation("softmax", draw=False)


def test_model_memory_explorer(capsys):
    explorer = W.model_memory_explorer()
    parameters, bits = explorer.children[:2]
    assert explorer.result["bytes"] == 350e9  # GPT-3 at 16 bit: the slide's 350 GB
    bits.value = 4
    assert explorer.result["bytes"] == 87.5e9
    parameters.value = 405
    bits.value = 32
    assert explorer.result["bytes"] == 1.62e12
    assert explorer.result["text"] == "405B parameters x 32 bits / 8 = 1.62 TB"
    assert "Llama 3: 405B parameters -> 1.62 TB" in capsys.readouterr().out
    with pytest.raises(ValueError, match="> 0"):
        W.explore_model_memory(0)
