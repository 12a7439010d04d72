"""Model: the user-facing facade. Builds or loads a network, keeps the checkpoint's overrides and the callbacks,
and hands both to the trainer / validator / predictor / exporter of its task (see `task_map` in subclasses).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from torch import nn

from ultralytics_clone.engine import checkpoint as ckpt_io
from ultralytics_clone.utils import ASSETS, LOGGER, RANK
from ultralytics_clone.utils.callbacks import Callbacks, add_callback, check_event, default_callbacks
from ultralytics_clone.utils.errors import ConfigError, NotPyTorchModelError, SourceError

YAML_SUFFIXES = (".yaml", ".yml")
PT_SUFFIXES = (".pt", ".pth")
EXPORTED_SUFFIXES = (".torchscript", ".onnx")
EXPORTED_FOLDERS = ("_openvino_model", "_ncnn_model")
ACCEPTED = (
    ".yaml/.yml (a model config, built from scratch), .pt/.pth (a checkpoint, ours or Ultralytics'), "
    ".torchscript, .onnx or a *_openvino_model/ or *_ncnn_model/ folder (an exported model)"
)
# Checkpoint train_args a loaded model keeps as its defaults (everything else describes the old run).
CKPT_ARGS_KEPT = ("imgsz", "data", "task", "single_cls")
# Arguments that change how the predictor is set up: a predict() call changing one of them rebuilds the predictor.
PREDICTOR_SETUP_KEYS = ("device", "dnn", "data", "nms", "compile", "channels_last", "quantize", "tracker")


class Model(nn.Module):
    """The facade behind `YOLO(...)`: `model.model` is the nn.Module, modes dispatch through `task_map`.

    Attributes: `model`, `task`, `ckpt` (the loaded checkpoint dict, {} when built from YAML), `ckpt_path`, `cfg`
    (the YAML it was built from), `overrides` (arguments every mode starts from), `callbacks` (event -> functions,
    handed to every engine as `_callbacks`), `predictor`, `trainer`, `metrics`.
    """

    def __init__(self, model: str | Path | nn.Module = "yolo26n.pt", task: str | None = None, verbose: bool = False):
        super().__init__()
        self.callbacks: Callbacks = default_callbacks()
        self.predictor = None
        self.trainer = None
        self.ckpt: dict[str, Any] = {}
        self.cfg: str | None = None
        self.ckpt_path: str | None = None
        self.overrides: dict[str, Any] = {}
        self.metrics = None
        self.task = _check_task(task)
        self.model_name: str | None = None
        if isinstance(model, Model):
            self.__dict__.update(model.__dict__)
            return
        if isinstance(model, nn.Module):
            self._wrap(model, task)
            return
        name = _with_default_suffix(str(model).strip())
        suffix = Path(name).suffix.lower()
        if suffix in YAML_SUFFIXES:
            self._new(name, task=task, verbose=verbose)
        elif suffix in PT_SUFFIXES:
            self._load(name, task=task)
        elif suffix in EXPORTED_SUFFIXES or name.rstrip("/\\").endswith(EXPORTED_FOLDERS):
            self._exported(name, task)
        else:
            raise ConfigError(f"model='{model}' has an unsupported suffix '{suffix}'. Accepted: {ACCEPTED}.")

    # ------------------------------------------------------------------------------------------------ construction
    def _new(self, cfg: str | Path, task: str | None = None, model: type | None = None, verbose: bool = False) -> None:
        """Build a fresh, randomly initialised network from a model YAML (scale taken from the file name)."""
        from ultralytics_clone.cfg import DEFAULT_CFG_DICT
        from ultralytics_clone.nn.tasks import guess_model_task, yaml_model_load

        cfg_dict = yaml_model_load(cfg)
        self.cfg = str(cfg)
        self.task = task or guess_model_task(cfg_dict)
        builder = model or self._smart_load("model", "build")
        self.model = builder(cfg_dict, verbose=verbose and RANK == -1)
        self.overrides = {"model": self.cfg, "task": self.task}
        self.model.args = {**DEFAULT_CFG_DICT, **self.overrides}
        self.model.task = self.task
        self.model_name = self.cfg

    def _load(self, weights: str, task: str | None = None) -> None:
        """Load a checkpoint (local path, or a release name such as 'yolo11n.pt' found or downloaded)."""
        from ultralytics_clone.nn.backends.torch import load_pytorch_model  # the one checkpoint loader

        model, ckpt = load_pytorch_model(weights)
        path = model.pt_path
        self.model, self.ckpt, self.ckpt_path = model, ckpt, str(path)
        self.predictor = None  # a warm predictor would keep serving the previous network
        self.task = task or self._task_of(model)
        self.model.task = self.task
        self.overrides = self._reset_ckpt_args(ckpt.get("train_args") or getattr(model, "args", None) or {})
        self.overrides.update(model=str(path), task=self.task)
        self.model_name = weights

    def _wrap(self, model: nn.Module, task: str | None) -> None:
        """Use an in-memory network (e.g. a DetectionModel built by hand) as it is."""
        self.model = model
        self.task = task or self._task_of(model)
        self.overrides = {**self._reset_ckpt_args(_as_dict(getattr(model, "args", None))), "task": self.task}
        self.model_name = type(model).__name__

    def _exported(self, path: str, task: str | None) -> None:
        """Keep an exported model's path: predict/val hand it to the backend; PyTorch-only methods refuse it."""
        if not Path(path).exists():
            raise SourceError(f"exported model '{path}' does not exist (resolved to '{Path(path).resolve()}').")
        from ultralytics_clone.nn.backends.exported import read_exported_metadata
        from ultralytics_clone.nn.tasks import guess_model_task

        self.model = path
        self.task = task or read_exported_metadata(path).get("task") or guess_model_task(path)
        self.overrides = {"model": path, "task": self.task}
        self.model_name = path

    @staticmethod
    def _task_of(model: nn.Module) -> str:
        """The task a network was trained for: its own `task` attribute, else guessed from its head."""
        from ultralytics_clone.nn.tasks import guess_model_task

        return getattr(model, "task", None) or guess_model_task(model)

    @staticmethod
    def _reset_ckpt_args(args: dict[str, Any] | Any) -> dict[str, Any]:
        """Only the checkpoint arguments that should carry over to new runs (imgsz, data, task, single_cls)."""
        args = _as_dict(args)
        return {k: args[k] for k in CKPT_ARGS_KEPT if k in args}

    # ---------------------------------------------------------------------------------------------------- engines
    @property
    def task_map(self) -> dict[str, dict[str, Any]]:
        """{task: {"model": cls, "trainer": cls, "validator": cls, "predictor": cls}}; defined by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} defines no task_map; subclass Model and provide one.")

    def _smart_load(self, key: str, mode: str) -> Any:
        """The `key` class of this model's task; NotImplementedError naming `mode` when it is not built yet."""
        engine = self._task_class(key)
        if engine is None:
            raise _not_built(mode, f"the {self.task} {key} of {type(self).__name__}")
        return engine

    def _task_class(self, key: str) -> Any:
        """task_map[task][key], None when not built; ConfigError for a task the map lacks."""
        task_map = self.task_map
        if self.task not in task_map:
            raise ConfigError(
                f"task='{self.task}' is not supported by {type(self).__name__}; accepted: {', '.join(task_map)}."
            )
        return task_map[self.task].get(key)

    def _args_for(self, custom: dict[str, Any], kwargs: dict[str, Any], mode: str) -> dict[str, Any]:
        """overrides < mode defaults < call kwargs, with `mode` last."""
        return {**self.overrides, **custom, **kwargs, "mode": mode}

    def __call__(self, source: Any = None, stream: bool = False, **kwargs: Any) -> Any:
        """Same as predict()."""
        return self.predict(source, stream, **kwargs)

    def predict(self, source: Any = None, stream: bool = False, predictor: type | None = None, **kwargs: Any) -> Any:
        """Run inference on `source` (files, folders, URLs, arrays, streams): a list of Results, or a generator."""
        mode = kwargs.get("mode", "predict")
        predictor_cls = predictor or self._smart_load("predictor", mode)
        if source is None:
            source = ASSETS
            LOGGER.warning(f"predict: no source given, using the bundled images in '{source}'.")
        is_cli = Path(sys.argv[0]).name in {"yolo", "ultralytics_clone"}
        custom = {"conf": 0.25, "batch": 1, "save": is_cli, "rect": True}
        args = self._args_for(custom, {k: v for k, v in kwargs.items() if k != "mode"}, mode)
        if self.predictor is None or predictor is not None:
            self.predictor = predictor_cls(overrides=args, _callbacks=self.callbacks)
            self.predictor.setup_model(model=self.model, verbose=is_cli)
        else:  # reuse the warm predictor (and its backend); arguments start from the defaults again, no leaks
            from ultralytics_clone.cfg import DEFAULT_CFG, get_cfg, get_save_dir

            old = self.predictor.args
            old = old if isinstance(old, dict) else vars(old)
            self.predictor.args = get_cfg(DEFAULT_CFG, args)
            for key in ("half", "device"):  # what the loaded backend runs with
                if key in old:
                    setattr(self.predictor.args, key, old[key])
            if "project" in args or "name" in args:
                self.predictor.save_dir = get_save_dir(self.predictor.args)
        return self.predictor(source=source, stream=stream)

    def track(self, source: Any = None, stream: bool = False, persist: bool = False, **kwargs: Any) -> Any:
        """predict() with a multi-object tracker (tracker=botsort.yaml|bytetrack.yaml); ids on results' boxes."""
        if self.task == "classify":
            raise ConfigError("track mode needs boxes to follow, but this is a classify model; use a detect, "
                              "segment, pose or obb model.")  # fmt: skip
        self._smart_load("predictor", "track")
        from ultralytics_clone.trackers import register_tracker
        from ultralytics_clone.trackers.config import check_tracker_cfg

        check_tracker_cfg(kwargs.get("tracker") or self.overrides.get("tracker") or "botsort.yaml")  # fail early
        register_tracker(self, persist)
        kwargs.update(conf=kwargs.get("conf") or 0.1, batch=kwargs.get("batch") or 1, mode="track")
        return self.predict(source=source, stream=stream, **kwargs)

    def val(self, validator: type | None = None, **kwargs: Any) -> Any:
        """Validate on `data` (defaults to the checkpoint's); returns the metrics object and keeps it in `metrics`."""
        validator_cls = validator or self._smart_load("validator", "val")
        args = self._args_for({"rect": True}, kwargs, "val")
        engine = validator_cls(args=args, _callbacks=self.callbacks)
        engine(model=self.model)
        self.metrics = engine.metrics
        return engine.metrics

    def train(self, trainer: type | bool | None = None, **kwargs: Any) -> Any:
        """Train (a custom trainer class may be passed as `trainer=`); reloads best.pt afterwards; returns metrics.

        `train(True/False)` (what nn.Module.eval() calls) only switches the network's mode, as on any nn.Module.
        """
        if isinstance(trainer, bool):
            return super().train(trainer)
        self._check_is_pytorch_model("train")
        trainer_cls = trainer or self._smart_load("trainer", "train")
        from ultralytics_clone.cfg import DEFAULT_CFG_DICT, TASK2DATA

        if kwargs.get("cfg"):
            from ultralytics_clone.cfg import cfg2dict

            base = cfg2dict(kwargs["cfg"])
        else:
            base = self.overrides
        data = base.get("data") or DEFAULT_CFG_DICT.get("data") or TASK2DATA.get(self.task)
        custom = {"data": data, "model": self.overrides.get("model"), "task": self.task}
        args = {**base, **custom, **kwargs, "mode": "train"}
        if args.get("resume"):
            args["resume"] = self.ckpt_path or args["resume"]
        self.trainer = trainer_cls(overrides=args, _callbacks=self.callbacks)
        if not args.get("resume"):  # the trainer's get_model builds from our YAML, loading our weights when we have them
            self.trainer.model = self.model if self.ckpt else getattr(self.model, "yaml", None) or self.trainer.model
        self.trainer.train()
        if RANK in {-1, 0}:
            best = Path(self.trainer.best)
            self._load(str(best if best.exists() else self.trainer.last), task=self.task)
            self.metrics = getattr(self.trainer.validator, "metrics", None)
        return self.metrics

    def export(self, **kwargs: Any) -> str:
        """Export to format= torchscript | onnx | openvino; returns the exported file or folder."""
        self._check_is_pytorch_model("export")
        exporter_cls = _engine("ultralytics_clone.engine.exporter", "Exporter", "export", "the exporter")
        custom = {"imgsz": _as_dict(getattr(self.model, "args", None)).get("imgsz", 640), "batch": 1, "data": None,
                  "device": None, "verbose": False}  # fmt: skip
        args = self._args_for(custom, kwargs, "export")
        return exporter_cls(overrides=args, _callbacks=self.callbacks)(model=self.model)

    def benchmark(self, data: str | None = None, format: str = "", verbose: bool = False, **kwargs: Any) -> Any:
        """Export to each format (or just `format`), validate on `data` and time it (utils.benchmarks.benchmark);
        one row per format."""
        self._check_is_pytorch_model("benchmark")
        benchmark = _engine("ultralytics_clone.utils.benchmarks", "benchmark", "benchmark", "utils.benchmarks")
        from ultralytics_clone.cfg import DEFAULT_CFG_DICT

        args = {**DEFAULT_CFG_DICT, **_as_dict(getattr(self.model, "args", None)), "verbose": False, **kwargs}
        return benchmark(model=self, data=data, imgsz=args["imgsz"], quantize=kwargs.get("quantize"),
                         half=args["half"], int8=args["int8"], device=args["device"], verbose=verbose,
                         format=format)  # fmt: skip

    def embed(self, source: Any = None, stream: bool = False, **kwargs: Any) -> Any:
        """Feature vectors instead of detections: predict() with `embed` set to the layer before the head."""
        if not kwargs.get("embed"):
            kwargs["embed"] = [len(self.model.model) - 2]
        return self.predict(source, stream, **kwargs)

    # ---------------------------------------------------------------------------------------------------- weights
    def _check_is_pytorch_model(self, what: str) -> None:
        """Raise NotPyTorchModelError when the facade holds an exported model path."""
        if not self.is_pytorch_model:
            raise NotPyTorchModelError(
                f"{what}() needs a PyTorch model, but '{self.model}' is an exported model. Load the .pt it was "
                "exported from (YOLO('best.pt')) for training, export, info, fuse, save and load; exported models "
                "support predict and val."
            )

    @property
    def is_pytorch_model(self) -> bool:
        """True when `model` is an nn.Module (built from YAML or loaded from a .pt), False for exported files."""
        return isinstance(self._modules.get("model"), nn.Module)

    def load(self, weights: str | Path | nn.Module = "yolo26n.pt") -> Model:
        """Copy every tensor of `weights` whose name and shape match into this model (transfer learning)."""
        self._check_is_pytorch_model("load")
        if isinstance(weights, (str, Path)):
            self.overrides["pretrained"] = str(weights)
            model, self.ckpt = _load_checkpoint(ckpt_io.resolve_weights(str(weights)))
            weights = model if model is not None else self.ckpt  # a bare state_dict transfers just as well
        self.model.load(weights)
        self.predictor = None
        return self

    def save(self, filename: str | Path = "saved_model.pt") -> Path:
        """Write the current model as a checkpoint with Ultralytics' keys (float32, so reloading is exact).

        Training-only entries (ema, optimizer, scaler, updates) are left empty: they described another state.
        """
        self._check_is_pytorch_model("save")
        old = self.ckpt
        ckpt = ckpt_io.make_checkpoint(
            ckpt_io.model_for_checkpoint(self.model),
            epoch=old.get("epoch", -1),
            best_fitness=old.get("best_fitness"),
            train_args=old.get("train_args") or _as_dict(getattr(self.model, "args", None)),
            train_metrics=old.get("train_metrics"),
            train_results=old.get("train_results"),
        )
        path = ckpt_io.save_checkpoint(ckpt, filename)
        LOGGER.info(f"Saved {type(self.model).__name__} to {path} ({path.stat().st_size / 1e6:.1f} MB)")
        return path

    def reset_weights(self) -> Model:
        """Re-initialise every layer that can (reset_parameters) and make all parameters trainable."""
        self._check_is_pytorch_model("reset_weights")
        for m in self.model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
        for p in self.model.parameters():
            p.requires_grad = True
        return self

    def info(self, detailed: bool = False, verbose: bool = True, imgsz: int = 640) -> Any:
        """Log layers, parameters, gradients and GFLOPs at `imgsz` (see BaseModel.info); returns its summary tuple."""
        self._check_is_pytorch_model("info")
        return self.model.info(detailed=detailed, verbose=verbose, imgsz=imgsz)

    def fuse(self, verbose: bool = True, imgsz: int = 640) -> Model:
        """Fold BatchNorm into the preceding convolutions for faster inference (outputs unchanged within 1e-5);
        `verbose` logs the fused model's summary at `imgsz`."""
        self._check_is_pytorch_model("fuse")
        self.model.fuse(verbose=verbose, imgsz=imgsz)
        return self

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> Model:
        """`to()`, `cuda()`, `half()`...: move the network, drop the warm predictor, remember the device."""
        self._check_is_pytorch_model("to")
        super()._apply(fn, *args, **kwargs)
        self.predictor = None
        self.overrides["device"] = str(self.device)
        return self

    # -------------------------------------------------------------------------------------------------- callbacks
    def add_callback(self, event: str, func: Any) -> None:
        """Append `func(engine)` to `event`; every engine this facade creates receives it."""
        add_callback(self.callbacks, event, func)

    def clear_callback(self, event: str) -> None:
        """Remove every function registered for `event` (built-in duties are not callbacks and keep running)."""
        self.callbacks[check_event(event)] = []

    def reset_callbacks(self) -> None:
        """Back to the default registry for every event (in place, so engines sharing the dict see it too)."""
        defaults = default_callbacks()
        for event in list(self.callbacks):
            self.callbacks[event] = list(defaults.get(event, []))

    # ------------------------------------------------------------------------------------------------- properties
    @property
    def names(self) -> dict[int, str]:
        """Class index -> name, from the network (or, for exported models, from the predictor's backend)."""
        if self.is_pytorch_model:
            return dict(getattr(self.model, "names", {}))
        if self.predictor is None:
            self.predictor = self._smart_load("predictor", "names")(overrides=self.overrides, _callbacks=self.callbacks)
            self.predictor.setup_model(model=self.model, verbose=False)
        return dict(self.predictor.model.names)

    @property
    def device(self) -> Any:
        """The torch.device of the network's parameters (None for exported models)."""
        if not self.is_pytorch_model:
            return None
        param = next(self.model.parameters(), None)
        return param.device if param is not None else None

    @property
    def transforms(self) -> Any:
        """The classification preprocessing stored with the network, if any."""
        return getattr(self._modules.get("model"), "transforms", None)

    def __getattr__(self, name: str) -> Any:
        """`model` itself, else the network's attributes (`stride`, `yaml`, `args`...) through the facade."""
        modules = self.__dict__.get("_modules")
        if modules is None or name.startswith("__"):
            raise AttributeError(name)
        if name == "model":
            if "model" in modules:
                return modules["model"]
            raise AttributeError(f"'{type(self).__name__}' object has no model yet")
        net = modules.get("model")
        if net is not None:
            try:
                return getattr(net, name)
            except AttributeError:
                pass
        raise AttributeError(f"'{type(self).__name__}' object (and its network) has no attribute '{name}'")

    def __repr__(self) -> str:
        cls = type(self).__name__
        if not self.is_pytorch_model:
            return f"{cls}(model='{self.model_name}', task='{self.task}', exported)"
        n_params = sum(p.numel() for p in self.model.parameters())
        names = getattr(self.model, "names", {}) or {}
        return (
            f"{cls}(model='{self.model_name}', task='{self.task}', network={type(self.model).__name__}, "
            f"classes={len(names)}, params={n_params / 1e6:.2f}M, device={self.device})"
        )


# -------------------------------------------------------------------------------------------------------- helpers
def _load_checkpoint(path: Path) -> tuple[nn.Module, dict[str, Any]]:
    """(network, checkpoint dict) through the restricted unpickler of nn.weights."""
    from ultralytics_clone.nn.weights import load_checkpoint

    return load_checkpoint(path)


def _with_default_suffix(name: str) -> str:
    """'yolo11n' -> 'yolo11n.pt' for suffix-less release names that are not an existing path."""
    path = Path(name)
    if not path.suffix and not path.exists() and path.name.lower().startswith("yolo"):
        return f"{name}.pt"
    return name


def _check_task(task: str | None) -> str | None:
    """`task` itself when None or one of the five tasks; ConfigError listing them otherwise."""
    from ultralytics_clone.cfg.schema import TASKS

    if task is not None and task not in TASKS:
        raise ConfigError(f"task='{task}' is not a task; accepted: {', '.join(TASKS)} (or None to infer it).")
    return task


def _as_dict(args: Any) -> dict[str, Any]:
    """An args dict / Args namespace / None as a plain dict."""
    if args is None:
        return {}
    if isinstance(args, dict):
        return dict(args)
    return dict(vars(args))


def _not_built(mode: str, what: str) -> NotImplementedError:
    """The error for a mode whose engine lands in a later release."""
    return NotImplementedError(
        f"mode '{mode}' is not available in this release of ultralytics_clone: {what} is not built yet and lands in "
        "a later release. Modes whose engines exist work as usual."
    )


def _engine(module: str, name: str, mode: str, what: str) -> Any:
    """`module.name`, or NotImplementedError naming `mode` when that module is not built yet."""
    from ultralytics_clone.models.yolo._engines import load_engine

    engine = load_engine(module, name)
    if engine is None:
        raise _not_built(mode, what)
    return engine
