"""Configuration: defaults from default.yaml, merging with cfg files and overrides, validation, run folders. No torch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ultralytics_clone.cfg.args import Args, IterableSimpleNamespace
from ultralytics_clone.cfg.schema import MODES, TASKS, check_keys, check_value
from ultralytics_clone.utils import DEFAULT_CFG_PATH, RANK
from ultralytics_clone.utils.errors import ConfigError
from ultralytics_clone.utils.files import increment_path, yaml_load

DEFAULT_CFG_DICT: dict[str, Any] = {k: v for k, v in yaml_load(DEFAULT_CFG_PATH).items() if k != "yaml_file"}
DEFAULT_CFG_KEYS = frozenset(DEFAULT_CFG_DICT)
DEFAULT_CFG = Args(**DEFAULT_CFG_DICT)

TASK2DATA = {
    "detect": "shapes-det.yaml",
    "segment": "shapes-seg.yaml",
    "classify": "shapes-cls.yaml",
    "pose": "shapes-pose.yaml",
    "obb": "shapes-obb.yaml",
}
TASK2MODEL = {
    "detect": "yolo11n.pt",
    "segment": "yolo11n-seg.pt",
    "classify": "yolo11n-cls.pt",
    "pose": "yolo11n-pose.pt",
    "obb": "yolo11n-obb.pt",
}
TASK2METRIC = {
    "detect": "metrics/mAP50-95(B)",
    "segment": "metrics/mAP50-95(M)",
    "classify": "metrics/accuracy_top1",
    "pose": "metrics/mAP50-95(P)",
    "obb": "metrics/mAP50-95(B)",
}


def cfg2dict(cfg: str | Path | dict | Args | None) -> dict[str, Any]:
    """A config given as a YAML path, dict or Args -> a plain dict (a copy)."""
    if cfg is None:
        return {}
    if isinstance(cfg, (str, Path)):
        path = Path(cfg)
        if not path.is_file():
            raise ConfigError(f"cfg='{cfg}' does not exist. Pass a YAML file of key: value pairs, e.g. cfg=my_args.yaml.")
        data = yaml_load(path)
        if not isinstance(data, dict):
            raise ConfigError(f"cfg='{cfg}' must hold a mapping of key: value pairs, got {type(data).__name__}.")
        data.pop("yaml_file", None)
        return data
    if isinstance(cfg, Args):
        return dict(vars(cfg))
    if isinstance(cfg, dict):
        return dict(cfg)
    raise ConfigError(f"cfg must be a YAML path, a dict or an Args namespace, got {type(cfg).__name__}.")


def get_cfg(cfg: str | Path | dict | Args | None = DEFAULT_CFG_DICT, overrides: dict[str, Any] | None = None) -> Args:
    """Merge defaults < `cfg` < (`overrides['cfg']` file) < `overrides`, validate every key and value, return Args."""
    base = {**DEFAULT_CFG_DICT, **cfg2dict(cfg)}
    over = cfg2dict(overrides)
    if over.get("cfg"):
        cfg_file = over.pop("cfg")
        file_args = cfg2dict(cfg_file)
        file_args.pop("cfg", None)
        base.update(check_keys(file_args, base, source=f"cfg file '{cfg_file}'"))
    base.update(check_keys(over, base, source="overrides"))
    for key in ("project", "name"):  # numbers are fine as folder names
        if isinstance(base.get(key), (int, float)) and not isinstance(base.get(key), bool):
            base[key] = str(base[key])
    if base.get("name") == "model":  # `name=model` means: use the model's stem as run name
        base["name"] = Path(str(base.get("model") or "model")).stem
    checked = {k: check_value(k, v) for k, v in base.items()}
    return Args(**checked)


def get_save_dir(args: Args, name: str | None = None) -> Path:
    """Run folder runs_dir/<task>/<name>, numbered (train, train2, ...) unless exist_ok; created on rank 0."""
    if getattr(args, "save_dir", None):
        return Path(args.save_dir)
    from ultralytics_clone.utils.settings import SETTINGS

    project = Path(args.project) if args.project else Path(SETTINGS["runs_dir"]) / args.task
    name = name or args.name or f"{args.mode}"
    return increment_path(project / name, exist_ok=args.exist_ok if RANK in {-1, 0} else True, mkdir=RANK in {-1, 0})


def entrypoint(debug: str = "") -> None:
    """The `yolo` command (see cfg/cli.py)."""
    from ultralytics_clone.cfg.cli import entrypoint as _entrypoint

    _entrypoint(debug)


__all__ = [
    "Args",
    "IterableSimpleNamespace",
    "DEFAULT_CFG",
    "DEFAULT_CFG_DICT",
    "DEFAULT_CFG_KEYS",
    "DEFAULT_CFG_PATH",
    "TASKS",
    "MODES",
    "TASK2DATA",
    "TASK2MODEL",
    "TASK2METRIC",
    "cfg2dict",
    "get_cfg",
    "get_save_dir",
    "entrypoint",
]
