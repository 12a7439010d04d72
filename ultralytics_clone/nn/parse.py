"""Model YAML -> nn.Sequential of layers. Module names resolve only through nn.registry.

A YAML has `nc`, optional `scales` {n: [depth, width, max_channels], ...} (the scale letter comes from the file
name: yolo11s-seg.yaml -> yolo11-seg.yaml at scale s), optional `kpt_shape`, `reg_max` (default 16), `end2end`,
`channels`, and `backbone` + `head` lists of [from, repeats, module, args]. Errors raise ModelConfigError naming
the YAML file and line.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.nn.modules import C3k2, Conv, Segment
from ultralytics_clone.nn.registry import get_module, registered_names
from ultralytics_clone.utils import LOGGER, ROOT
from ultralytics_clone.utils.errors import ModelConfigError
from ultralytics_clone.utils.ops import make_divisible

_ACT_NAMES = ("SiLU", "ReLU", "ReLU6", "LeakyReLU", "Hardswish", "GELU", "Mish")
_ACTIVATIONS = {f"nn.{n}()": getattr(nn, n) for n in _ACT_NAMES}


MODELS_DIR = ROOT / "cfg" / "models"


def resolve_model_yaml(path: str | Path) -> Path | None:
    """The file behind a model YAML name: the path itself, its unscaled family name next to it, or a bundled config."""
    path = Path(str(path))
    unified = path.with_name(re.sub(r"(\d+)([nslmx])(.+)?$", r"\1\3", path.stem) + path.suffix)
    for p in (path, unified):
        if p.is_file():
            return p
    for name in (path.name, unified.name):
        hits = sorted(MODELS_DIR.rglob(name)) if MODELS_DIR.is_dir() else []
        if hits:
            return hits[0]
    return None


def layer_lines(yaml_file: str | Path | None) -> list[int]:
    """1-based line of each backbone + head entry in the YAML file (empty when unknown)."""
    yaml_file = resolve_model_yaml(yaml_file) if yaml_file else None
    if yaml_file is None:
        return []
    import yaml

    try:
        root = yaml.compose(Path(yaml_file).read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return []
    lines: list[int] = []
    if isinstance(root, yaml.MappingNode):
        for section in ("backbone", "head"):
            for key, value in root.value:
                if key.value == section and isinstance(value, yaml.SequenceNode):
                    lines.extend(item.start_mark.line + 1 for item in value.value)
    return lines


class _Where:
    """Locates layer i for error messages as 'file line N (layer i: entry)'; the YAML is read for line numbers only
    when a message is actually formatted."""

    def __init__(self, d: dict):
        self.file = d.get("yaml_file") or "<dict>"
        self._yaml_file = d.get("yaml_file")

    @cached_property
    def lines(self) -> list[int]:
        return layer_lines(self._yaml_file)

    def __call__(self, i: int, entry) -> _LayerPlace:
        return _LayerPlace(self, i, list(entry))


class _LayerPlace:
    """One layer's place in its YAML; str() formats it."""

    __slots__ = ("where", "i", "entry")

    def __init__(self, where: _Where, i: int, entry: list):
        self.where, self.i, self.entry = where, i, entry

    def __str__(self) -> str:
        lines = self.where.lines
        line = f" line {lines[self.i]}" if self.i < len(lines) else ""
        return f"{self.where.file}{line} (layer {self.i}: {self.entry})"


def _resolve_arg(a: Any, d: dict) -> Any:
    """YAML arg -> value: names of top-level keys (nc, kpt_shape...) and Python literals; other strings kept."""
    if not isinstance(a, str):
        return a
    if a in d and not isinstance(d[a], (dict, list)) or a in ("nc", "kpt_shape") and a in d:
        return d[a]
    with contextlib.suppress(ValueError, SyntaxError):
        return ast.literal_eval(a)
    return a


def _check_from(f, i: int, where: _LayerPlace) -> list[int]:
    """Validate the `from` field of layer i; returns it as a list."""
    fs = [f] if isinstance(f, int) else f
    if not isinstance(fs, list) or not fs or not all(isinstance(x, int) and not isinstance(x, bool) for x in fs):
        raise ModelConfigError(f"{where}: 'from' must be an int or a list of ints, got {f!r}")
    for x in fs:
        if (x < 0 and i + x < 0 and not (i == 0 and x == -1)) or x >= i and x >= 0:
            raise ModelConfigError(
                f"{where}: 'from' index {x} does not name an earlier layer; accepted: -1..-{max(i, 1)} or 0..{i - 1}"
            )
    return fs


def _scale_params(d: dict) -> tuple[float, float, float, str | None]:
    scales = d.get("scales")
    depth, width = d.get("depth_multiple", 1.0), d.get("width_multiple", 1.0)
    max_ch, scale = float("inf"), d.get("scale")
    if scales:
        if not scale:
            scale = next(iter(scales))
            LOGGER.warning(f"no model scale given for {d.get('yaml_file', 'the model YAML')}; using scale '{scale}'")
        if scale not in scales:
            raise ModelConfigError(f"{d.get('yaml_file', '<dict>')}: scale {scale!r} not in scales {list(scales)}")
        depth, width, max_ch = scales[scale]
    return depth, width, max_ch, scale


def _bind_check(cls: type, args: list, kwargs: dict, where: _LayerPlace) -> None:
    """Raise ModelConfigError when cls cannot be called with args/kwargs (wrong argument count or names)."""
    try:
        inspect.signature(cls).bind(*args, **kwargs)
    except TypeError as e:
        raise ModelConfigError(f"{where}: {cls.__name__} cannot take arguments {args}: {e}") from None
    except ValueError:  # builtin without a signature
        pass


def parse_model(d: dict, ch: int, verbose: bool = True) -> tuple[nn.Sequential, list[int]]:
    """Build the layers of model dict `d` for `ch` input channels; returns (layers, sorted indices to keep).

    A top-level `activation: nn.ReLU()` (one of a fixed list) replaces SiLU in this model's Convs only.
    """
    act = d.get("activation")
    if not act:
        return _parse_layers(d, ch, verbose)
    if act not in _ACTIVATIONS:
        raise ModelConfigError(
            f"{d.get('yaml_file') or '<dict>'}: activation {act!r} not supported; accepted: {sorted(_ACTIVATIONS)}"
        )
    saved, Conv.default_act = Conv.default_act, _ACTIVATIONS[act]()
    try:
        return _parse_layers(d, ch, verbose)
    finally:
        Conv.default_act = saved


def _parse_layers(d: dict, ch: int, verbose: bool) -> tuple[nn.Sequential, list[int]]:
    where = _Where(d)
    nc = d.get("nc")
    depth, width, max_ch, scale = _scale_params(d)
    head_kwargs = {"reg_max": int(d.get("reg_max", 16)), "end2end": bool(d.get("end2end", False))}
    entries = list(d.get("backbone") or []) + list(d.get("head") or [])
    if not entries:
        raise ModelConfigError(f"{where.file}: the model YAML has no 'backbone'/'head' layers")
    if verbose:
        LOGGER.info(f"\n{'':>3}{'from':>20}{'n':>3}{'params':>10}  {'module':<45}{'arguments':<30}")
    chs, layers, save, legacy = [ch], [], [], True
    for i, entry in enumerate(entries):
        if not isinstance(entry, (list, tuple)) or len(entry) != 4:
            shown = entry if isinstance(entry, list) else [entry]
            raise ModelConfigError(f"{where(i, shown)}: expected [from, repeats, module, args]")
        f, n, name, args = entry
        fs = _check_from(f, i, where(i, entry))
        spec = get_module(str(name))
        if spec is None:
            raise ModelConfigError(
                f"{where(i, entry)}: unknown module {name!r}; register your own with "
                f"ultralytics_clone.nn.register_module, or use one of: {', '.join(registered_names())}"
            )
        if not isinstance(n, int) or n < 1:
            raise ModelConfigError(f"{where(i, entry)}: repeats must be a positive int, got {n!r}")
        args = [_resolve_arg(a, d) for a in (args or [])]
        n = max(round(n * depth), 1) if n > 1 else n
        cls, kwargs = spec.cls, {}
        c_in = [chs[x] for x in fs]
        if spec.kind in ("channels", "repeat"):
            if not args:
                raise ModelConfigError(f"{where(i, entry)}: {name} needs its output channels as the first argument")
            c1, c2 = c_in[0], args[0]
            if c2 != nc:
                c2 = make_divisible(min(c2, max_ch) * width, 8)
            args = [c1, c2, *args[1:]]
            if spec.kind == "repeat":
                args.insert(2, n)
                n = 1
            if cls is C3k2:
                legacy = False
                if scale and scale in "mlx":
                    args += [False] * max(0, 4 - len(args))
                    args[3] = True
        elif spec.kind == "batchnorm":
            args, c2 = [c_in[0]], c_in[0]
        elif spec.kind == "concat":
            c2 = sum(c_in)
        elif spec.kind == "head":
            if issubclass(cls, Segment) and len(args) > 2:
                args[2] = make_divisible(min(args[2], max_ch) * width, 8)
            kwargs = dict(head_kwargs, ch=c_in, legacy=legacy)
            c2 = c_in[0]
        else:
            c2 = c_in[0]
        _bind_check(cls, args, kwargs, where(i, entry))
        try:
            m_ = nn.Sequential(*(cls(*args, **kwargs) for _ in range(n))) if n > 1 else cls(*args, **kwargs)
        except (TypeError, ValueError, RuntimeError) as e:
            raise ModelConfigError(f"{where(i, entry)}: building {name} with arguments {args} failed: {e}") from e
        m_.np = sum(p.numel() for p in m_.parameters())
        m_.i, m_.f, m_.type = i, f, str(name)
        if verbose:
            LOGGER.info(f"{i:>3}{str(f):>20}{n:>3}{m_.np:10.0f}  {str(name):<45}{str(args):<30}")
        save.extend(x % i for x in fs if x != -1)
        layers.append(m_)
        if i == 0:
            chs = []
        chs.append(c2)
    return nn.Sequential(*layers), sorted(set(save))


def default_device_zero(ch: int, size: int, like: nn.Module) -> torch.Tensor:
    """A zero image batch Tensor[1, ch, size, size] on the device/dtype of `like`'s first parameter (meta ok)."""
    p = next(like.parameters(), None)
    return torch.zeros(1, ch, size, size, device=p.device if p is not None else "cpu",
                       dtype=p.dtype if p is not None else torch.float32)


__all__ = ["parse_model", "layer_lines", "resolve_model_yaml", "MODELS_DIR"]
