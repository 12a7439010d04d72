"""The `yolo` command: `yolo [TASK] MODE key=value ...` plus help, version, checks, cfg, copy-cfg and settings.

Imports no torch until a mode actually runs. Bad input exits with status 2 and one paragraph on stderr.
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path
from typing import Any

from ultralytics_clone.cfg.schema import FLAGS, MODES, TASKS
from ultralytics_clone.utils.errors import CloneError, ConfigError

SPECIAL = ("help", "version", "checks", "cfg", "copy-cfg", "settings", "explorer")

HELP = f"""
Usage: yolo [TASK] MODE [key=value ...]
       yolo help | version | checks | cfg | copy-cfg | settings [key=value ...] | settings reset
       yolo explorer data=shapes-det.yaml model=yolo11n.pt      # dashboard (pip install 'ultralytics-clone[explorer]')

  TASK (optional, guessed from the model): {", ".join(TASKS)}
  MODE (required): {", ".join(MODES)}
  key=value: any argument listed by 'yolo cfg', e.g. imgsz=320 epochs=3 device=cpu; cfg=my.yaml loads a file of them

Examples:
  yolo train model=yolo11n.yaml data=shapes-det.yaml epochs=3 imgsz=160      # offline: built-in generated dataset
  yolo detect predict model=runs/detect/train/weights/best.pt source=images/
  yolo val model=best.pt data=shapes-det.yaml
  yolo export model=best.pt format=onnx imgsz=320
  yolo settings runs_dir=/data/runs                                          # change a setting
  yolo checks                                                                # environment report

No command downloads anything unless you name something to download (an official weights file such as
model=yolo11n.pt that is not on disk yet, a dataset YAML with a download: URL, or an http(s) source).
Python: from ultralytics_clone import YOLO; YOLO("yolo11n.yaml").train(data="shapes-det.yaml", epochs=3)
"""


def _emit(text: str) -> None:
    """The CLI's only way to write results to stdout (not a log line: it is the command's output)."""
    sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def parse_value(text: str) -> Any:
    """Turn a command-line value into Python: None/True/False, int, float, [list], else the string itself."""
    low = text.strip().lower()
    if low in {"none", "null", ""}:
        return None
    if low in {"true", "false"}:
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.startswith(("[", "(")) and text.endswith(("]", ")")):
        import yaml

        try:
            return yaml.safe_load("[" + text[1:-1] + "]")
        except yaml.YAMLError:
            raise ConfigError(f"could not read the list '{text}'; write lists like classes=[0,2] or imgsz=[480,640].") from None
    return text


def _merge_equals(args: list[str]) -> list[str]:
    """Join tokens the shell split around '=': ['imgsz', '=', '640'] / ['imgsz=', '640'] / ['imgsz', '=640']."""
    out: list[str] = []
    i = 0
    while i < len(args):
        tok = args[i]
        joinable = bool(out) and out[-1] not in (*TASKS, *MODES, *SPECIAL) and "=" not in out[-1]
        if tok == "=" and joinable and i + 1 < len(args):
            out[-1] += "=" + args[i + 1]
            i += 2
            continue
        if tok.endswith("=") and i + 1 < len(args) and "=" not in args[i + 1]:
            tok += args[i + 1]
            i += 1
        elif tok.startswith("=") and joinable:
            out[-1] += tok
            i += 1
            continue
        out.append(tok)
        i += 1
    return out


def parse_args(argv: list[str]) -> tuple[str | None, str | None, dict[str, Any], list[str]]:
    """Split argv into (task, mode, overrides, words) where words are special commands and their bare arguments."""
    task = mode = None
    overrides: dict[str, Any] = {}
    words: list[str] = []
    for tok in _merge_equals(argv):
        if "=" in tok:
            key, value = tok.split("=", 1)
            if not key:
                raise ConfigError(f"'{tok}' has no key; write arguments as key=value, e.g. imgsz=320.")
            overrides[key.strip().replace("-", "_")] = parse_value(value)
        elif tok in TASKS and task is None and not words:  # before or after the mode: 'yolo train detect ...'
            task = tok
        elif tok in MODES and mode is None and not words:
            mode = tok
        elif tok in SPECIAL or tok == "reset" or words:
            words.append(tok)
        elif tok.replace("-", "_") in FLAGS:  # a bare switch: 'resume', 'show', 'agnostic_nms' mean key=True
            overrides[tok.replace("-", "_")] = True
        else:
            known = [*TASKS, *MODES, *SPECIAL]
            close = difflib.get_close_matches(tok, known, n=1)
            tip = f" Did you mean '{close[0]}'?" if close else ""
            raise ConfigError(
                f"'{tok}' is not a task, mode or key=value argument.{tip} Tasks: {', '.join(TASKS)}; "
                f"modes: {', '.join(MODES)}; run 'yolo help' for usage."
            )
    return task, mode, overrides, words


def _settings_command(words: list[str], overrides: dict[str, Any]) -> None:
    from ultralytics_clone.utils.settings import SETTINGS

    if "reset" in words:
        SETTINGS.reset()
        _emit("Settings reset to defaults.")
    elif overrides:
        SETTINGS.update({k: _as_setting(SETTINGS.defaults.get(k), v) for k, v in overrides.items()})
        _emit("Settings updated.")
    _emit(str(SETTINGS))


def _as_setting(default: Any, value: Any) -> Any:
    """A command-line value typed like its setting: text settings take numbers as text and an empty value as ''."""
    if isinstance(default, str) and not isinstance(value, bool):
        return "" if value is None else str(value)
    return value


def _special(words: list[str], overrides: dict[str, Any]) -> None:
    command = words[0]
    extra = words[1:]
    if command == "settings":
        if extra and extra != ["reset"]:
            raise ConfigError(f"'yolo settings {' '.join(extra)}' is not understood; use 'yolo settings key=value' or 'yolo settings reset'.")
        _settings_command(words, overrides)
        return
    if command == "explorer":
        _explorer_command(extra, overrides)
        return
    if extra or overrides:
        raise ConfigError(f"'yolo {command}' takes no arguments, got: {' '.join(extra + [f'{k}={v}' for k, v in overrides.items()])}.")
    if command == "help":
        _emit(HELP)
    elif command == "version":
        from ultralytics_clone import __version__

        _emit(__version__)
    elif command == "cfg":
        from ultralytics_clone.utils import DEFAULT_CFG_PATH

        _emit(DEFAULT_CFG_PATH.read_text(encoding="utf-8"))
    elif command == "copy-cfg":
        from ultralytics_clone.utils import DEFAULT_CFG_PATH
        from ultralytics_clone.utils.files import atomic_write

        dest = Path.cwd() / DEFAULT_CFG_PATH.name.replace(".yaml", "_copy.yaml")
        atomic_write(dest, DEFAULT_CFG_PATH.read_bytes())
        _emit(f"Copied {DEFAULT_CFG_PATH} to {dest}; use it with 'yolo cfg={dest.name} MODE ...'.")
    elif command == "checks":
        from ultralytics_clone.utils.checks import collect_system_info

        info = collect_system_info()
        width = max(map(len, info)) + 2
        _emit("\n".join(f"{k:<{width}}{v}" for k, v in info.items()))


def _explorer_command(extra: list[str], overrides: dict[str, Any]) -> None:
    """`yolo explorer data=... model=... imgsz=...`: the Explorer dashboard on this machine."""
    from ultralytics_clone.data.explorer.gui import launch

    unknown = [*extra, *(f"{k}=" for k in overrides if k not in {"data", "model", "imgsz"})]
    if unknown:
        raise ConfigError(f"'yolo explorer' accepts data=, model= and imgsz= only; got {' '.join(unknown)}.")
    launch(overrides.get("data", "shapes-det.yaml"), overrides.get("model", "yolo11n.pt"), overrides.get("imgsz", 640))


def run_mode(task: str | None, mode: str | None, overrides: dict[str, Any]) -> Any:
    """Validate the arguments, build the YOLO facade and run `mode` on it."""
    from ultralytics_clone.cfg import TASK2DATA, get_cfg

    if mode is None:
        raise ConfigError(f"a MODE is required after the task: one of {', '.join(MODES)}. Example: 'yolo {task or 'detect'} predict model=best.pt source=img.jpg'.")
    merged = get_cfg(overrides={**overrides, "mode": mode, **({"task": task} if task else {})})  # validate first
    model_path = overrides.pop("model", None) or merged.model  # model= may also come from a cfg=file
    if not model_path:
        raise ConfigError(
            "model= is required, e.g. model=yolo11n.yaml (build an untrained model, offline) or model=path/to/best.pt; "
            "model=yolo11n.pt fetches the official weights once if they are not in the weights folder."
        )
    from ultralytics_clone import YOLO

    model = YOLO(model_path, task=task)
    if task and model.task != task:
        raise ConfigError(f"task={task} was given but the model '{model_path}' is a {model.task} model.")
    if mode in {"train", "val"} and not merged.data:
        overrides["data"] = TASK2DATA[model.task]  # the built-in generated set of that task: offline
    overrides.pop("task", None)
    overrides.pop("mode", None)
    if mode in {"predict", "track"}:
        overrides.setdefault("save", True)  # the CLI saves annotated results by default
        for _ in getattr(model, mode)(stream=True, **overrides):  # one frame at a time: long videos stay small
            pass
        return None
    return getattr(model, mode)(**overrides)


def entrypoint(debug: str = "") -> None:
    """`yolo` console script: run the command, turning expected errors into one paragraph and exit status 2."""
    argv = debug.split() if debug else sys.argv[1:]
    try:
        task, mode, overrides, words = parse_args(argv)
        if not argv or (words and words[0] == "help"):
            words = words or ["help"]
        if words:
            _special(words, overrides)
        else:
            run_mode(task, mode, overrides)
    except CloneError as err:
        _fail(f"Error: {err}", 2)
    except NotImplementedError as err:
        _fail(f"Error: {err}", 2)
    except KeyboardInterrupt:
        _fail("Interrupted.", 130)
    except (FileNotFoundError, ValueError, TypeError, OSError) as err:
        _fail(f"Error: {type(err).__name__}: {err}", 1)
    except Exception as err:  # the process boundary: no traceback unless asked for
        if os.getenv("YOLO_TRACEBACK"):
            raise
        _fail(f"Internal error: {type(err).__name__}: {err}. Rerun with YOLO_TRACEBACK=1 for the full traceback and report it.", 1)


def _fail(message: str, code: int) -> None:
    """One paragraph on stderr, then exit with `code`."""
    if os.getenv("YOLO_TRACEBACK") and sys.exc_info()[0] is not None:
        import traceback

        traceback.print_exc()
    sys.stderr.write(message.strip() + "\n")
    sys.stderr.flush()
    raise SystemExit(code)


if __name__ == "__main__":
    entrypoint()
