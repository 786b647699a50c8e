"""The package's layout (README, STYLE.md), read from the source with ast, nothing imported.

The core (every module outside plots/ and widgets/) computes and draws nothing: it imports no
drawing library and nothing from plots/ or widgets/, which sit on top. Every file is short enough
to read in one sitting, and the modules import each other without a cycle.
"""
import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workshop_utils"
FRONT_ENDS = ("workshop_utils.plots", "workshop_utils.widgets")
DRAWING_LIBRARIES = {"matplotlib", "ipywidgets", "IPython"}
MAX_LINES = 350


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
CORE = sorted(name for name in MODULES
              if not any(name == front or name.startswith(front + ".") for front in FRONT_ENDS))


def imported_modules(name: str) -> set[str]:
    """Absolute names of every module that module `name` imports, inside functions too."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from .x / from ..x: relative to this module's package
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return found


def import_graph() -> dict[str, set[str]]:
    return {name: imported_modules(name) & MODULES.keys() for name in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    done, path = set(), []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph[node]):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(node)
        return None

    return next((cycle for node in sorted(graph) if (cycle := visit(node))), None)


def test_the_import_reader_sees_relative_and_function_level_imports():
    assert "workshop_utils.activations" in CORE and "workshop_utils.__main__" in CORE
    assert not any(name.startswith(FRONT_ENDS) for name in CORE)
    widget = imported_modules("workshop_utils.widgets.generation")
    assert "workshop_utils.generation" in widget and "ipywidgets" in widget
    assert {"workshop_utils.plots.attention", "workshop_utils.attention"} <= imported_modules(
        "workshop_utils.widgets.attention")
    assert "workshop_utils.finetune" in imported_modules("workshop_utils.__main__")  # inside a function
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_core_imports_no_drawing_library():
    offenders = {name: sorted(module for module in imported_modules(name)
                              if module.split(".")[0] in DRAWING_LIBRARIES) for name in CORE}
    assert not {name: bad for name, bad in offenders.items() if bad}


def test_nothing_in_the_core_imports_plots_or_widgets():
    offenders = {name: sorted(module for module in imported_modules(name) if module.startswith(FRONT_ENDS))
                 for name in CORE}
    assert not {name: bad for name, bad in offenders.items() if bad}


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_file_is_short():
    long_files = {str(path.relative_to(PACKAGE)): line_count(path) for path in MODULES.values()
                  if line_count(path) > MAX_LINES}
    assert not long_files, f"over {MAX_LINES} lines: split them into modules of one idea each"


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_every_subpackage_is_listed_in_pyproject_so_a_wheel_carries_it():
    import tomllib

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "workshop_utils").rglob("__init__.py")}
    assert found == listed, f"pyproject.toml [tool.setuptools] packages should be {sorted(found)}"


def calls(attribute: str, arguments: str | None = None) -> list[str]:
    """Where the core calls `attribute(...)` (as x.attribute(...) or attribute(...)): "module.function".

    With `arguments`, only calls whose arguments read exactly so (e.g. "-2, -1")."""
    found = []
    for name in CORE:
        def visit(node: ast.AST, where: str) -> None:
            for child in ast.iter_child_nodes(node):
                inner = f"{where}.{child.name}" if isinstance(child, (ast.FunctionDef, ast.ClassDef)) else where
                if isinstance(child, ast.Call):
                    func = child.func
                    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                    if called == attribute and (arguments is None or arguments == ", ".join(
                            ast.unparse(a) for a in [*child.args, *child.keywords])):
                        found.append(inner)
                visit(child, inner)

        visit(ast.parse(MODULES[name].read_text(encoding="utf-8")), name.removeprefix("workshop_utils."))
    return sorted(found)


def test_each_idea_is_written_once():
    """Issue 13: softmax(Q K^T / sqrt(d)) V once (plus torch's fused kernel), tokens + positions
    once, and one decoding loop that every prompt -> text caller goes through."""
    assert calls("transpose", "-2, -1") == ["attention.scaled_dot_product_attention"]  # Q K^T
    assert calls("scaled_dot_product_attention") == ["attention.attend", "attention.attend"]  # fused, readable
    assert calls("wpe") == calls("wte") == ["model.GPT.embed"]
    assert calls("generate") == ["generation.complete_many"]  # prompt -> text: only through complete_many
    assert calls("pick_next_token") == ["app.TextGenerationApp.stream", "generation._sample_tokens"]
    assert set(calls("complete_many")) == {"benchmark_data.generate_answers", "generation.complete",
                                           "instruct.respond"}


def test_the_readme_layout_table_names_every_core_module():
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Layout"):readme.index("## Licence")]
    listed = set(re.findall(r"`(\w+)\.py`", table))
    files = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    assert files == listed, f"README layout table: missing {sorted(files - listed)}, stale {sorted(listed - files)}"
