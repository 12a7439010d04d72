"""Configuration: defaults from default.yaml, merging with cfg files and overrides, validation, run folders. No torch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ultralytics_clone.cfg import schema
from ultralytics_clone.cfg.args import Args, IterableSimpleNamespace
from ultralytics_clone.cfg.schema import MODES, TASKS, check_keys, check_value
from ultralytics_clone.utils import ARGV as ARGV  # re-exported: Ultralytics users import it from here
from ultralytics_clone.utils import DEFAULT_CFG_PATH, LOGGER, RANK
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


# Ultralytics' key groups, from the one schema table (cfg/schema.py) that validates them.
CFG_BOOL_KEYS = frozenset(schema.BOOLS)
CFG_INT_KEYS = frozenset(schema.INTS) | frozenset(schema.OPTIONAL_POS_INTS)
CFG_INT_MIN = dict(schema.INTS)
CFG_FRACTION_KEYS = frozenset(schema.FRACTIONS)
CFG_FLOAT_KEYS = frozenset(schema.RANGES) | frozenset(schema.NONNEG_FLOATS)
CFG_STR_KEYS = frozenset(k for k in schema.CHOICES if k not in {"task", "mode", "format"})


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
    checked = {k: _check_or_default(k, v) for k, v in base.items()}
    return Args(**checked)


def _check_or_default(key: str, value: Any) -> Any:
    """check_value, except that None (accepted by Ultralytics for every key) means False for a switch such as
    nms=None and the default for a number such as degrees=None, where None itself is not a usable value."""
    if value is None and DEFAULT_CFG_DICT.get(key) is not None:
        try:
            return check_value(key, None)
        except ConfigError:
            return False if isinstance(DEFAULT_CFG_DICT[key], bool) else check_value(key, DEFAULT_CFG_DICT[key])
    return check_value(key, value)


def get_save_dir(args: Args, name: str | None = None) -> Path:
    """Run folder runs_dir/<task>/<name>, numbered (train, train2, ...) unless exist_ok; not created here: whoever
    writes the first file creates it, so a run that writes nothing leaves no folder."""
    if getattr(args, "save_dir", None):
        return Path(args.save_dir)
    from ultralytics_clone.utils.settings import SETTINGS

    project = Path(args.project) if args.project else Path(SETTINGS["runs_dir"]) / args.task
    name = name or args.name or f"{args.mode}"
    return increment_path(project / name, exist_ok=args.exist_ok if RANK in {-1, 0} else True, sep="")


def check_cfg(cfg: dict[str, Any], hard: bool = True) -> None:
    """Validate and coerce every value of `cfg` in place (cfg/schema.py rules); with hard=False a bad value is
    logged and left as it was instead of raising ConfigError."""
    for key, value in list(cfg.items()):
        try:
            cfg[key] = check_value(key, value)
        except ConfigError as err:
            if hard:
                raise
            LOGGER.warning(str(err))


def check_dict_alignment(
    base: dict[str, Any], custom: dict[str, Any], e: Exception | None = None, allowed_custom_keys: set | None = None
) -> None:
    """ConfigError naming the first key of `custom` that `base` lacks (old names are accepted), with a suggestion."""
    valid = set(base) | set(allowed_custom_keys or ())
    try:
        check_keys(dict(custom), valid)
    except ConfigError as err:
        raise err from e


def smart_value(v: str) -> Any:
    """A command-line value as Python: 'none' -> None, 'true' -> True, '3' -> 3, '0.5' -> 0.5, '[1,2]' -> [1, 2]."""
    from ultralytics_clone.cfg.cli import parse_value

    return parse_value(v)


def parse_key_value_pair(pair: str = "key=value") -> tuple[str, Any]:
    """'imgsz=640' -> ('imgsz', 640); ConfigError when the key or the value is missing."""
    key, sep, value = pair.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise ConfigError(f"'{pair}' is not a key=value pair; write arguments like imgsz=640.")
    return key.strip(), smart_value(value.strip())


def merge_equals_args(args: list[str]) -> list[str]:
    """Join command-line tokens the shell split around '=' (['imgsz', '=', '640'] -> ['imgsz=640'])."""
    from ultralytics_clone.cfg.cli import _merge_equals

    return _merge_equals(list(args))


def handle_yolo_settings(args: list[str]) -> None:
    """`yolo settings` with its arguments: show, 'reset', or key=value updates."""
    from ultralytics_clone.cfg.cli import _special, parse_args

    _, _, overrides, words = parse_args(["settings", *args])
    _special(words, overrides)


def copy_default_cfg() -> Path:
    """Copy default.yaml to ./default_copy.yaml (for `cfg=`) and return its path."""
    from ultralytics_clone.utils.files import atomic_write

    dest = Path.cwd() / DEFAULT_CFG_PATH.name.replace(".yaml", "_copy.yaml")
    atomic_write(dest, DEFAULT_CFG_PATH.read_bytes())
    LOGGER.info(f"Copied {DEFAULT_CFG_PATH} to {dest}; use it with 'yolo cfg={dest.name} MODE ...'.")
    return dest


def __getattr__(name: str) -> Any:
    """CLI_HELP_MSG (the `yolo help` text) on first use; out-of-scope names raise NotInScopeError."""
    if name == "CLI_HELP_MSG":
        from ultralytics_clone.cfg.cli import HELP

        return HELP
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


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
