"""Tracker YAML files: find, read and check them; every key's type and range, and the defaults of each tracker."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from ultralytics_clone.cfg.args import IterableSimpleNamespace
from ultralytics_clone.utils import ROOT
from ultralytics_clone.utils.errors import ConfigError

TRACKER_TYPES = ("bytetrack", "botsort")
GMC_METHODS = ("sparseOptFlow", "orb", "sift", "ecc", "none")
FRACTIONS = ("track_high_thresh", "track_low_thresh", "new_track_thresh", "match_thresh", "proximity_thresh",
             "appearance_thresh")  # fmt: skip
KEYS = ("tracker_type", *FRACTIONS, "track_buffer", "fuse_score", "gmc_method", "with_reid", "model")


def default_tracker_cfg(tracker_type: str) -> dict[str, Any]:
    """The packaged YAML's settings for `tracker_type` ('bytetrack' or 'botsort')."""
    from ultralytics_clone.utils.files import yaml_load

    data = yaml_load(ROOT / "cfg" / "trackers" / f"{tracker_type}.yaml")
    data.pop("yaml_file", None)
    return data


def _check(file: str, key: str, value: Any) -> Any:
    """`value` checked for `key`; ConfigError naming the file and key otherwise."""
    where = f"tracker YAML '{file}': '{key}: {value!r}'"
    if key in FRACTIONS:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{where} must be a number between 0 and 1.")
        return float(value)
    if key == "track_buffer":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or int(value) != value:
            raise ConfigError(f"{where} must be a whole number of frames (0 or more).")
        return int(value)
    if key in {"fuse_score", "with_reid"}:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be True or False.")
        return value
    if key == "tracker_type":
        if value not in TRACKER_TYPES:
            raise ConfigError(f"{where} is not a tracker; accepted: {', '.join(TRACKER_TYPES)}.")
        return value
    if key == "gmc_method":
        value = "none" if value is None else value
        lowered = {m.lower(): m for m in GMC_METHODS}
        if not isinstance(value, str) or value.lower() not in lowered:
            raise ConfigError(f"{where} is not a motion-compensation method; accepted: {', '.join(GMC_METHODS)}.")
        return lowered[value.lower()]
    if key == "model":
        if value not in (None, "auto"):
            raise ConfigError(
                f"{where} is not supported: appearance features come from the detector itself (model: auto); "
                "no separate re-identification model is loaded."
            )
        return "auto"
    return value


def check_tracker_cfg(tracker: str | Path | dict) -> IterableSimpleNamespace:
    """A tracker YAML (a path, or a packaged name such as 'botsort.yaml') or dict, checked and completed with the
    defaults of its tracker_type; one ConfigError sentence naming the file and key when something is wrong."""
    if isinstance(tracker, dict):
        file, data = "<dict>", dict(tracker)
    else:
        from ultralytics_clone.utils.checks import check_yaml
        from ultralytics_clone.utils.files import yaml_load

        file = check_yaml(tracker)
        try:
            data = yaml_load(file)
        except Exception as e:  # a YAML syntax error, an unreadable file
            mark = getattr(e, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1}: {e.problem})" if mark is not None else ""
            reason = where or f": {' '.join(str(e).split())}"
            raise ConfigError(f"tracker YAML '{file}' could not be read{reason}.") from e
        if not isinstance(data, dict):
            raise ConfigError(f"tracker YAML '{file}' must hold key: value pairs, got {type(data).__name__}.")
        data.pop("yaml_file", None)
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            tip = f"; did you mean '{close[0]}'?" if close else "."
            raise ConfigError(f"tracker YAML '{file}': unknown key '{key}'{tip} Valid keys: {', '.join(KEYS)}.")
    if "tracker_type" not in data:
        raise ConfigError(f"tracker YAML '{file}' has no 'tracker_type' key; accepted: {', '.join(TRACKER_TYPES)}.")
    kind = _check(file, "tracker_type", data["tracker_type"])
    merged = {**default_tracker_cfg(kind), **data}
    return IterableSimpleNamespace(**{k: _check(file, k, v) for k, v in merged.items()})


__all__ = ["check_tracker_cfg", "default_tracker_cfg", "TRACKER_TYPES", "KEYS"]
