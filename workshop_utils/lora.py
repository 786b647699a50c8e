"""LoRA (Low-Rank Adaptation): freeze a Linear layer W and learn a low-rank update B @ A.

Follows microsoft/LoRA (loralib/layers.py) and huggingface/peft (tuners/lora/layer.py):
A is (r, d_in) with kaiming_uniform_(a=sqrt(5)), B is (d_out, r) of zeros, the update is
scaled by alpha / r, and dropout acts on the LoRA branch only. Because B starts at zero, a
wrapped model starts out computing exactly what the base model computes.

LoRAConfig (r, alpha, targets, dropout) says what to adapt, validated once; apply_lora(model,
config) wraps the layers; save_adapter / load_adapter store the small tensors through the
checkpoint module's hash-and-swap code, with the LoRAConfig once in adapter.json (notebook 11).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

from .checkpoint import verified_file, weights_fingerprint, write_folder
from .model import plain_int

GPT3_LAYERS, GPT3_D_MODEL, GPT3_PARAMETERS = 96, 12288, 175_000_000_000  # Brown et al. 2020
ADAPTER_WEIGHTS, ADAPTER_CONFIG = "adapter.safetensors", "adapter.json"
ADAPTER_FORMAT = "workshop-lora-adapter/2"  # /2: one "lora" entry (LoRAConfig) and the adapted "layers"


@dataclass(frozen=True)
class LoRAConfig:
    """What LoRA adapts and how: rank r, scale alpha (the update is scaled by alpha / r), the
    Linear layers whose names end with one of `targets`, dropout on the LoRA branch."""
    r: int = 4
    alpha: float = 8.0
    targets: tuple[str, ...] = ("c_attn",)
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if plain_int(self.r) is None or self.r < 1:
            raise ValueError(f"LoRA rank r must be a positive integer (4 or 8 are usual), got {self.r!r}")
        object.__setattr__(self, "r", plain_int(self.r))  # np.int64(8) -> 8, so it saves as JSON
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) or not self.alpha > 0:
            raise ValueError(f"alpha must be a positive number (often 2 * r), got {self.alpha!r}")
        targets = (self.targets,) if isinstance(self.targets, str) else tuple(self.targets)
        if not targets or not all(isinstance(t, str) and t for t in targets):
            raise ValueError(f"targets must name Linear layers to adapt, e.g. ('c_attn',), got {self.targets!r}")
        object.__setattr__(self, "targets", targets)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def to_dict(self) -> dict:
        return {**asdict(self), "targets": list(self.targets)}


class LoRALinear(nn.Module):
    """base(x) + dropout(x) @ A^T @ B^T * (alpha / r), with the base Linear frozen."""

    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0,
                 config: LoRAConfig | None = None):
        super().__init__()
        self.config = config  # the LoRAConfig apply_lora used (save_adapter stores it)
        if not isinstance(base, nn.Linear):
            raise ValueError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
        d_out, d_in = base.weight.shape
        r = check_rank(r, d_in, d_out)  # a plain int, also for np.int64
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.base, self.r, self.alpha, self.scaling = base, r, alpha, alpha / r
        self.base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, d_in, device=base.weight.device))  # (r, d_in)
        self.lora_B = nn.Parameter(torch.zeros(d_out, r, device=base.weight.device))  # (d_out, r)
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.merged = False

    def delta_weight(self) -> torch.Tensor:
        """The update LoRA adds to W: (B @ A) * alpha / r, shape (d_out, d_in)."""
        return (self.lora_B @ self.lora_A) * self.scaling

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        """The LoRA branch alone: dropout(x) @ A^T @ B^T * scaling."""
        return self.lora_dropout(x) @ self.lora_A.T @ self.lora_B.T * self.scaling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.merged:  # the update already lives inside base.weight
            return self.base(x)
        return self.base(x) + self.branch(x)

    @torch.no_grad()
    def merge(self) -> None:
        """W += B @ A * scaling: one plain matrix again, no extra cost at inference."""
        if not self.merged:
            self.base.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """W -= B @ A * scaling: back to the frozen base weight plus a separate branch."""
        if self.merged:
            self.base.weight -= self.delta_weight()
            self.merged = False

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}, scaling={self.scaling:g}, merged={self.merged}"


def check_rank(r: int, d_in: int, d_out: int) -> int:
    """r as a plain int (numpy integers accepted), or a ValueError for a rank the layer cannot have."""
    if plain_int(r) is None or r < 1 or r > min(d_in, d_out):
        raise ValueError(f"LoRA rank r must be an integer from 1 to min(d_in, d_out) = "
                         f"{min(d_in, d_out)} for a ({d_out} x {d_in}) layer, got {r!r}; "
                         "small ranks such as 4 or 8 are usual")
    return plain_int(r)


def _matches(name: str, pattern: str) -> bool:
    """"c_proj" matches "h.0.attn.c_proj" and "h.0.mlp.c_proj"; "attn.c_proj" only the first."""
    return name == pattern or name.endswith("." + pattern)


def lora_target_shapes(model: nn.Module, targets: tuple[str, ...] | list[str]) -> dict[str, tuple[int, int]]:
    """(d_out, d_in) of every Linear layer whose name matches a target; unmatched targets are an error."""
    if isinstance(targets, str):
        targets = (targets,)
    if not targets:
        raise ValueError("targets is empty; name the Linear layers to adapt, e.g. ('c_attn',)")
    linears = {name: module for name, module in model.named_modules()
               if isinstance(module, nn.Linear) and not isinstance(module, LoRALinear)}
    unmatched = [t for t in targets if not any(_matches(name, t) for name in linears)]
    if unmatched:
        examples = sorted({name.split(".")[-1] for name in linears})
        raise ValueError(f"target(s) {unmatched} match no Linear layer of this model; "
                         f"Linear layers are called {examples} (full names like {next(iter(linears), '?')!r})")
    return {name: tuple(m.weight.shape) for name, m in linears.items()
            if any(_matches(name, t) for t in targets)}


def apply_lora(model: nn.Module, config: LoRAConfig = LoRAConfig()) -> list[str]:
    """Freeze every parameter of `model` and wrap each Linear whose name matches config.targets.

    Returns the names of the wrapped layers. Only the new A and B matrices are trainable
    (unfreeze a task head yourself afterwards if you add one). A model that already has LoRA
    layers is refused: wrapping again would stack adapters and freeze the first ones.
    """
    if not isinstance(config, LoRAConfig):
        raise TypeError(f"apply_lora takes a LoRAConfig, got a {type(config).__name__}; e.g. "
                        "apply_lora(model, LoRAConfig(r=8, alpha=16, targets=('c_attn',)))")
    existing = lora_layers(model)
    if existing:
        raise ValueError(f"this model already has {len(existing)} LoRA layers (e.g. "
                         f"{next(iter(existing))!r}); apply_lora wraps a plain model once. Start "
                         "from a fresh model: load the base checkpoint again (or copy.deepcopy "
                         "the base before the first apply_lora)")
    shapes = lora_target_shapes(model, config.targets)
    for d_out, d_in in shapes.values():
        check_rank(config.r, d_in, d_out)
    model.requires_grad_(False)
    for name in shapes:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(model.get_submodule(name), config.r, config.alpha,
                                          config.dropout, config))
    return list(shapes)


def lora_layers(model: nn.Module) -> dict[str, LoRALinear]:
    return {name: m for name, m in model.named_modules() if isinstance(m, LoRALinear)}


def merge_lora(model: nn.Module) -> None:
    for layer in lora_layers(model).values():
        layer.merge()


def unmerge_lora(model: nn.Module) -> None:
    for layer in lora_layers(model).values():
        layer.unmerge()


def count_trainable(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_parameters(model: nn.Module) -> int:
    """All parameters, each shared tensor once."""
    return sum(p.numel() for p in model.parameters())


def trainable_fraction(model: nn.Module) -> float:
    return count_trainable(model) / count_parameters(model)


def lora_parameter_count(layer_shapes: list[tuple[int, int]], r: int) -> int:
    """r * (d_in + d_out) per adapted layer; shapes are (d_out, d_in) as in nn.Linear.weight."""
    for d_out, d_in in layer_shapes:
        check_rank(r, d_in, d_out)
    return sum(r * (d_in + d_out) for d_out, d_in in layer_shapes)


GPT3_MATRICES = {"q": (GPT3_D_MODEL, GPT3_D_MODEL), "k": (GPT3_D_MODEL, GPT3_D_MODEL),
                 "v": (GPT3_D_MODEL, GPT3_D_MODEL), "o": (GPT3_D_MODEL, GPT3_D_MODEL),
                 "mlp_in": (4 * GPT3_D_MODEL, GPT3_D_MODEL), "mlp_out": (GPT3_D_MODEL, 4 * GPT3_D_MODEL)}


def gpt3_lora_parameters(r: int, matrices: tuple[str, ...] = ("q", "v")) -> dict[str, float]:
    """LoRA on GPT-3 175B: 96 layers, d_model 12288; q, k, v, o are 12288 x 12288 matrices.

    With q and v (the LoRA paper's choice) r=1 gives 4.7M and r=8 gives 37.7M parameters.
    """
    unknown = set(matrices) - set(GPT3_MATRICES)
    if unknown or not matrices:
        raise ValueError(f"matrices must be a non-empty subset of {sorted(GPT3_MATRICES)}; got {matrices}")
    shapes = [GPT3_MATRICES[m] for m in matrices] * GPT3_LAYERS
    trainable = lora_parameter_count(shapes, r)
    return {"trainable": trainable, "total": GPT3_PARAMETERS, "fraction": trainable / GPT3_PARAMETERS}


def adapter_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Every trainable tensor (LoRA A and B, plus any head you unfroze), by parameter name."""
    return {name: p.detach().cpu().contiguous() for name, p in model.named_parameters() if p.requires_grad}


def _frozen_tensors(model: nn.Module, adapter_names) -> dict[str, torch.Tensor]:
    """The model's tensors that an adapter does not carry: the base weights it was trained on."""
    return {name: t for name, t in model.state_dict().items() if name not in adapter_names}


def save_adapter(model: nn.Module, folder: str | Path, **extra_config) -> Path:
    """Write only the small trainable tensors (adapter.safetensors) + adapter.json, atomically.

    adapter.json holds the LoRAConfig ("lora"), the adapted layers, the sha256 of the tensor file
    and a fingerprint of the frozen base weights, so loading onto another base model is refused.
    """
    layers = lora_layers(model)
    if not layers:
        raise ValueError("this model has no LoRA layers; call apply_lora(model, ...) first")
    if any(layer.merged for layer in layers.values()):
        raise ValueError("unmerge the adapters (unmerge_lora(model)) before saving them")
    configs = {layer.config for layer in layers.values()}
    if len(configs) != 1 or None in configs:
        raise ValueError("the LoRA layers were not made by one apply_lora(model, LoRAConfig(...)) call; "
                         "save_adapter stores one LoRAConfig")
    tensors = adapter_state(model)
    config = {"format": ADAPTER_FORMAT, "lora": configs.pop().to_dict(), "layers": sorted(layers),
              "base_fingerprint": weights_fingerprint(_frozen_tensors(model, tensors)), **extra_config}
    return write_folder(folder, lambda staging: save_file(tensors, str(staging / ADAPTER_WEIGHTS)),
                        config, ADAPTER_CONFIG)


def load_adapter(model: nn.Module, folder: str | Path) -> dict:
    """Wrap `model` as the adapter's config says and load its tensors (sha256-checked); returns
    the config. The frozen weights of `model` must be the base the adapter was trained on."""
    folder = Path(folder)
    if not (folder / ADAPTER_WEIGHTS).is_file() or not (folder / ADAPTER_CONFIG).is_file():
        raise FileNotFoundError(f"no adapter in {folder}: expected {ADAPTER_WEIGHTS} and "
                                f"{ADAPTER_CONFIG} (written by save_adapter)")
    config = json.loads((folder / ADAPTER_CONFIG).read_text())
    if config.get("format") != ADAPTER_FORMAT:
        raise ValueError(f"{folder / ADAPTER_CONFIG} is not a {ADAPTER_FORMAT} adapter (format "
                         f"{config.get('format')!r}); save it again with save_adapter")
    tensors = load_file(str(verified_file(folder, config, ADAPTER_WEIGHTS)))
    lora = LoRAConfig(**config["lora"])
    if not lora_layers(model):
        apply_lora(model, lora)
    if sorted(lora_layers(model)) != config["layers"]:
        raise ValueError(f"the adapter adapts {config['layers'][:2]}...; this model's LoRA layers are "
                         f"{sorted(lora_layers(model))[:2]}...: load it onto the model it was trained for "
                         "(e.g. a GPTClassifier of the base checkpoint)")
    own = dict(model.named_parameters())
    missing = [name for name in tensors if name not in own]
    if missing:
        raise ValueError(f"adapter tensors {missing[:3]} have no matching parameter in this "
                         "model; was the adapter trained on a model of another shape?")
    for name, tensor in tensors.items():
        if own[name].shape != tensor.shape:
            raise ValueError(f"{name}: adapter has shape {tuple(tensor.shape)} but the "
                             f"model has {tuple(own[name].shape)}; was it trained on another base model?")
    if weights_fingerprint(_frozen_tensors(model, tensors)) != config["base_fingerprint"]:
        raise ValueError(f"the adapter in {folder} was trained on other base weights than this "
                         f"model's (fingerprints differ); load the base it names "
                         f"({config.get('base', 'see adapter.json')}) unchanged, then the adapter")
    with torch.no_grad():
        for name, tensor in tensors.items():
            own[name].copy_(tensor)
            own[name].requires_grad_(True)
    return {**config, "lora": lora}
