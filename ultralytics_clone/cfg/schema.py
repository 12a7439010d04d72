"""Type and range rules for every configuration key, value coercion, and did-you-mean suggestions. No torch import."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ultralytics_clone.utils.errors import ConfigError

TASKS = ("detect", "segment", "classify", "pose", "obb")
MODES = ("train", "val", "predict", "export", "track", "benchmark")
OPTIMIZERS = ("auto", "SGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSProp", "MuSGD")
EXPORT_FORMATS = (
    "torchscript", "onnx", "openvino", "engine", "coreml", "saved_model", "pb", "tflite", "edgetpu", "tfjs",
    "paddle", "mnn", "ncnn", "imx", "rknn",
)  # fmt: skip

# Keys users bring from older Ultralytics releases: old name -> current name.
RENAMED = {
    "boxes": "show_boxes",
    "hide_labels": "show_labels",
    "hide_conf": "show_conf",
    "line_thickness": "line_width",
    "label_smoothing_eps": "label_smoothing",
}

FRACTIONS = {  # floats that must lie in [0, 1]
    "hsv_h", "hsv_s", "hsv_v", "translate", "flipud", "fliplr", "bgr", "mosaic", "mixup", "cutmix", "copy_paste",
    "dropout", "iou", "conf", "label_smoothing", "momentum", "warmup_momentum", "lrf",
}  # fmt: skip
RANGES = {  # floats with other bounds: (low, high), inclusive
    "degrees": (-180.0, 180.0),
    "shear": (-180.0, 180.0),
    "perspective": (0.0, 0.001),
    "erasing": (0.0, 0.9),
    "crop_fraction": (0.1, 1.0),
}
NONNEG_FLOATS = {
    "scale", "lr0", "weight_decay", "warmup_epochs", "warmup_bias_lr", "box", "cls", "dfl", "pose", "kobj",
}  # fmt: skip
INTS = {  # int keys: minimum accepted value
    "epochs": 0, "patience": 0, "save_period": -1, "workers": 0, "seed": 0, "close_mosaic": 0, "max_det": 1,
    "vid_stride": 1, "nbs": 1, "mask_ratio": 1,
}  # fmt: skip
OPTIONAL_POS_INTS = {"line_width", "opset"}
BOOLS = {
    "save", "exist_ok", "deterministic", "single_cls", "rect", "cos_lr", "profile", "overlap_mask", "val",
    "save_json", "save_hybrid", "half", "dnn", "plots", "stream_buffer", "visualize", "augment", "agnostic_nms",
    "retina_masks", "show", "save_frames", "save_txt", "save_conf", "save_crop", "show_labels", "show_conf",
    "show_boxes", "keras", "optimize", "int8", "dynamic", "simplify", "nms", "multi_scale", "verbose",
}  # fmt: skip
CHOICES = {
    "task": TASKS,
    "mode": MODES,
    "optimizer": OPTIMIZERS,
    "copy_paste_mode": ("flip", "mixup"),
    "auto_augment": ("randaugment", "autoaugment", "augmix", None),
    "split": ("train", "val", "test"),
}  # format= is checked by engine.exporter.check_format, whose message names the formats this release exports
# Names people reach for that are not ours: wrong name -> the argument they mean.
SUGGEST = {
    "lr": "lr0", "learning_rate": "lr0", "img_size": "imgsz", "img": "imgsz", "image_size": "imgsz", "size": "imgsz",
    "batch_size": "batch", "bs": "batch", "epoch": "epochs", "num_workers": "workers", "weights": "model",
    "conf_thres": "conf", "iou_thres": "iou", "lr_final": "lrf", "gpu": "device", "gpus": "device",
}  # fmt: skip
PATHLIKE = {"model", "data", "project", "name", "source", "cfg", "tracker"}  # free text or paths, None allowed


def _fail(key: str, value: Any, accepted: str) -> ConfigError:
    """The one error format for a bad value: key, what was given, what is accepted."""
    return ConfigError(f"'{key}={_shown(value)}' is not valid: {key} accepts {accepted}. ('yolo cfg' shows every default)")


def _shown(value: Any) -> str:
    """A value as the user typed it: text without quotes (no 'imgsz='abc''), anything else by repr."""
    return value if isinstance(value, str) else repr(value)


def _to_bool(key: str, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in {"true", "false"}:
        return v.lower() == "true"
    if isinstance(v, int) and v in {0, 1}:
        return bool(v)
    raise _fail(key, v, "True or False")


def _to_number(key: str, v: Any) -> float:
    """Accept ints, floats and numeric strings ('0.5', '1e-3'); reject bools and words."""
    if isinstance(v, bool) or v is None:
        raise _fail(key, v, "a number")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise _fail(key, v, "a number") from None


def _to_float(key: str, v: Any) -> float:
    x = _to_number(key, v)
    if key in FRACTIONS and not 0.0 <= x <= 1.0:
        raise _fail(key, v, "a float between 0.0 and 1.0")
    if key in RANGES and not RANGES[key][0] <= x <= RANGES[key][1]:
        lo, hi = RANGES[key]
        raise _fail(key, v, f"a float between {lo} and {hi}")
    if key in NONNEG_FLOATS and x < 0:
        raise _fail(key, v, "a float >= 0.0")
    return x


def _to_int(key: str, v: Any, minimum: int) -> int:
    accepted = f"a whole number >= {minimum}"
    try:
        x = _to_number(key, v)
    except ConfigError:
        raise _fail(key, v, accepted) from None
    if not float(x).is_integer() or x < minimum:
        raise _fail(key, v, accepted)
    return int(x)


def _imgsz(key: str, v: Any) -> int | list[int]:
    if isinstance(v, (list, tuple)):
        if len(v) not in {1, 2}:
            raise _fail(key, v, "a positive int like 640, or [height, width] like [480, 640]")
        out = [_imgsz(key, x) for x in v]
        return out[0] if len(out) == 1 else out
    accepted = "a positive int like 640, or [height, width] like [480, 640]"
    try:
        x = _to_number(key, v)
    except ConfigError:
        raise _fail(key, v, accepted) from None
    if not float(x).is_integer() or x <= 0:
        raise _fail(key, v, accepted)
    return int(x)


def _batch(key: str, v: Any) -> int | float:
    x = _to_number(key, v)
    if float(x).is_integer() and (x == -1 or x >= 1):
        return int(x)
    if 0.0 < x < 1.0:
        return x
    raise _fail(key, v, "a positive int, -1 for AutoBatch, or a GPU memory fraction between 0 and 1 like 0.7")


def _int_list(key: str, v: Any, allow_str: bool = False) -> Any:
    """None, an int, or a list of ints (names too when allow_str, for freeze)."""
    if v is None:
        return None
    items = v if isinstance(v, (list, tuple)) else [v]
    out = []
    for x in items:
        if allow_str and isinstance(x, str) and not x.lstrip("-").isdigit():
            out.append(x)
            continue
        out.append(_to_int(key, x, 0))
    return out if isinstance(v, (list, tuple)) else out[0]


def _cache(key: str, v: Any) -> bool | str:
    if v in (True, False):
        return v
    if isinstance(v, str) and v.lower() in {"ram", "disk", "true", "false"}:
        low = v.lower()
        return {"true": True, "false": False}.get(low, low)
    raise _fail(key, v, "True/'ram', 'disk' or False")


def _bool_or_str(key: str, v: Any) -> bool | str:
    if isinstance(v, bool):
        return v
    if isinstance(v, (str, Path)):
        s = str(v)
        return {"true": True, "false": False}.get(s.lower(), s)
    raise _fail(key, v, "True, False or a path")


def _device(key: str, v: Any) -> Any:
    if v is None or isinstance(v, (str, int, list, tuple)) and not isinstance(v, bool):
        return v
    if type(v).__name__ == "device":  # torch.device without importing torch
        return str(v)
    raise _fail(key, v, "None, 'cpu', 'mps', a CUDA index like 0, '0,1' or [0, 1]")


def _amp(key: str, v: Any) -> bool | str:
    """True / False, or 'bf16' (bfloat16 autocast, also on CPUs with native bf16)."""
    if isinstance(v, str) and v.lower() == "bf16":
        return "bf16"
    try:
        return _to_bool(key, v)
    except ConfigError:
        raise _fail(key, v, "True, False or 'bf16'") from None


SPECIAL: dict[str, Callable[[str, Any], Any]] = {
    "amp": _amp,
    "imgsz": _imgsz,
    "batch": _batch,
    "cache": _cache,
    "resume": _bool_or_str,
    "pretrained": _bool_or_str,
    "compile": _bool_or_str,
    "device": _device,
    "freeze": lambda k, v: _int_list(k, v, allow_str=True),
    "classes": _int_list,
    "embed": _int_list,
    "time": lambda k, v: None if v is None else _positive(k, v),
    "workspace": lambda k, v: None if v is None else _positive(k, v),
    "fraction": lambda k, v: _fraction(k, v),
}


def _positive(key: str, v: Any) -> float:
    x = _to_number(key, v)
    if x <= 0:
        raise _fail(key, v, "a number > 0")
    return x


def _fraction(key: str, v: Any) -> float:
    x = _to_number(key, v)
    if not 0.0 < x <= 1.0:
        raise _fail(key, v, "a float in (0.0, 1.0]")
    return x


# Bare words on the command line that mean key=True (`yolo train resume model=last.pt`, `yolo predict show ...`).
FLAGS = BOOLS | {"amp", "resume", "pretrained", "compile", "cache"}


def check_value(key: str, value: Any) -> Any:
    """Validate one key's value and return it coerced to its canonical type; raises ConfigError naming the key."""
    if key in SPECIAL:
        return SPECIAL[key](key, value)
    if value is None and (key in PATHLIKE or key in OPTIONAL_POS_INTS or key in {"conf", "auto_augment"}):
        return None
    if key in BOOLS:
        return _to_bool(key, value)
    if key in INTS:
        return _to_int(key, value, INTS[key])
    if key in OPTIONAL_POS_INTS:
        return _to_int(key, value, 1)
    if key in FRACTIONS or key in RANGES or key in NONNEG_FLOATS:
        return _to_float(key, value)
    if key in CHOICES:
        return _choice(key, value)
    if key in PATHLIKE:
        return str(value) if isinstance(value, (Path, int, float)) else value
    return value


def _choice(key: str, value: Any) -> Any:
    choices = CHOICES[key]
    if value in choices:
        return value
    if isinstance(value, str):
        match = {str(c).lower(): c for c in choices if c is not None}.get(value.lower())
        if match is not None:
            return match
    accepted = ", ".join(repr(c) for c in choices)
    lowered = {str(c).lower(): str(c) for c in choices if c is not None}
    hint = difflib.get_close_matches(str(value).lower(), list(lowered), n=1)
    tip = f" Did you mean '{lowered[hint[0]]}'?" if hint else ""
    raise ConfigError(f"'{key}={_shown(value)}' is not valid: {key} accepts one of {accepted}.{tip}")


def check_keys(given: dict[str, Any], valid: set[str] | dict[str, Any], source: str = "arguments") -> dict[str, Any]:
    """Rename old keys, then raise ConfigError for the first unknown key with the closest valid one suggested."""
    out = {}
    for key, value in given.items():
        if key in RENAMED:
            from ultralytics_clone.utils import warn_once

            warn_once(f"'{key}' is deprecated and will be removed; use '{RENAMED[key]}' instead.")
            if key.startswith("hide_"):
                value = not _to_bool(key, value)
            key = RENAMED[key]
        if key not in valid:
            close = [SUGGEST[key]] if SUGGEST.get(key) in valid else difflib.get_close_matches(key, list(valid), 1, 0.6)
            tip = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"unknown argument '{key}' in {source}{tip} ('yolo cfg' lists all valid arguments)")
        out[key] = value
    return out
