"""Load Ultralytics-written (and our own) `.pt` checkpoints without the `ultralytics` package and without running
foreign code.

The pickle is read by a restricted unpickler: every class from `ultralytics.*`, `ultralytics_clone.*`,
`torch.nn.modules.*` and `torchvision.transforms.*` becomes an inert container that only stores its pickled
attributes; tensors, dtypes and a short list of plain-data types (below) are rebuilt normally; any other global
raises CheckpointError naming it. The model is then rebuilt from the checkpoint's own `yaml` dict with our modules
and its tensors are loaded strictly, keeping names, stride, args and the head's end2end switch.
"""

from __future__ import annotations

import io
import pickle
import types
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import CheckpointError, CloneError

_CONTAINER_PREFIXES = ("ultralytics.", "ultralytics_clone.", "torch.nn.modules.", "torchvision.transforms.")
_ALLOWED = {
    "collections": {"OrderedDict", "defaultdict", "Counter", "deque"},
    "builtins": {"set", "frozenset", "slice", "complex", "tuple", "list", "dict"},
    "__builtin__": {"set", "frozenset", "slice"},
    "copyreg": {"_reconstructor"},
    "_codecs": {"encode"},  # bytes under pickle protocol 2 (numpy array payloads)
    "torch": {"Size", "device", "dtype", "Tensor", "float16", "float32", "float64", "bfloat16", "int64", "int32",
              "int16", "int8", "uint8", "bool", "finfo", "iinfo", "memory_format", "contiguous_format",
              "channels_last"},
    "torch._utils": {"_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_parameter_with_state"},
    "torch._tensor": {"_rebuild_from_type_v2"},
    "torch.nn.parameter": {"Parameter"},
    "numpy": {"ndarray", "dtype"},
    "numpy.core.multiarray": {"_reconstruct", "scalar"},
    "numpy._core.multiarray": {"_reconstruct", "scalar"},
    "pathlib": {"Path", "PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath"},
    "datetime": {"datetime", "date", "time", "timedelta", "timezone"},
    "types": {"SimpleNamespace"},
    "argparse": {"Namespace"},
}
_NUMPY_DTYPES = "numpy.dtypes"  # Float64DType and friends: plain dtype classes


class ForeignObject:
    """Inert stand-in for a pickled class instance: keeps the pickled attributes, runs nothing."""

    _origin = "?"

    def __init__(self, *args, **kwargs):
        self.__dict__["_args"] = args

    def __setstate__(self, state) -> None:
        if isinstance(state, tuple) and len(state) == 2 and (state[0] is None or isinstance(state[0], dict)):
            state = {**(state[0] or {}), **(state[1] or {})}  # (dict, slots) form
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__["_state"] = state

    def __repr__(self) -> str:
        return f"<foreign {self._origin}>"


_CONTAINERS: dict[str, type] = {}


def _container(module: str, name: str) -> type:
    key = f"{module}.{name}"
    if key not in _CONTAINERS:
        _CONTAINERS[key] = type(name, (ForeignObject,), {"_origin": key, "__module__": __name__})
    return _CONTAINERS[key]


def _no_getattr(obj: Any, name: str) -> None:
    """Stand-in for a pickled `getattr(obj, name)`: looks nothing up, the attribute becomes None."""
    return None


def _sized(kind: type) -> Any:
    """bytes / bytearray as a pickle may call them (from text or a list of ints), never from a size to allocate."""

    def make(*args):
        if args and isinstance(args[0], int):
            raise CheckpointError(f"refusing {kind.__name__}({args[0]}): a pickle may not ask for a sized allocation")
        return kind(*args)

    return make


_BYTES = {"bytes": _sized(bytes), "bytearray": _sized(bytearray)}


class _RestrictedUnpickler(pickle._Unpickler):
    """Resolves globals only through the allowlist above.

    Built on the pure-Python unpickler: its memo is a dict, so a forged memo index cannot make it allocate gigabytes
    (the C unpickler sizes its memo array by the largest index); tensors dominate loading time either way.
    """

    source = "<checkpoint>"

    def find_class(self, module: str, name: str):
        if module.startswith(_CONTAINER_PREFIXES) or module in ("ultralytics", "ultralytics_clone"):
            return _container(module, name)
        if module in ("builtins", "__builtin__") and name in _BYTES:
            return _BYTES[name]
        if module in ("builtins", "__builtin__") and name == "getattr":
            return _no_getattr  # bound methods (Ultralytics' fused Conv.forward) pickle as getattr(obj, name)
        if name in _ALLOWED.get(module, ()) or module == _NUMPY_DTYPES and name.endswith("DType"):
            return super().find_class(module, name)
        raise CheckpointError(
            f"{self.source}: refusing to unpickle the global '{module}.{name}'. Checkpoints may only reference model "
            f"classes (ultralytics.*, torch.nn modules), tensors and plain data (builtins, collections, numpy arrays, "
            f"pathlib, datetime). If you trust this file, load it yourself with torch.load(..., weights_only=False) "
            f"and pass the resulting model object instead."
        )


def _pickle_module(source: str) -> types.ModuleType:
    """A stand-in for the `pickle` module whose every reading entry point (`Unpickler`, `load`, `loads`) is restricted.

    torch's zip format subclasses `Unpickler`; its legacy formats (plain `torch.save(..., _use_new_zipfile_serialization
    =False)` files and raw pickles) call `load` first, so both must refuse foreign globals.
    """
    unpickler = type("Unpickler", (_RestrictedUnpickler,), {"source": source})
    mod = types.ModuleType("restricted_pickle")
    mod.Unpickler = unpickler
    mod.load = lambda file, **kw: unpickler(file, **kw).load()
    mod.loads = lambda data, **kw: unpickler(io.BytesIO(data), **kw).load()
    mod.Pickler, mod.dump, mod.dumps = pickle.Pickler, pickle.dump, pickle.dumps
    mod.UnpicklingError, mod.PicklingError = pickle.UnpicklingError, pickle.PicklingError
    return mod


def restricted_loads(data: bytes, source: str = "<pickle>") -> Any:
    """pickle.loads through the restricted unpickler: the one way this package reads any pickle."""
    try:
        return _pickle_module(source).loads(bytes(data))
    except CloneError:
        raise
    except Exception as e:  # a corrupt pickle raises almost anything (KeyError, IndexError, MemoryError, ...)
        raise CheckpointError(f"{source}: not a readable pickle ({type(e).__name__}: {e})") from e


def restricted_load(path: str | Path) -> Any:
    """torch.load through the restricted unpickler (CPU tensors); raises CheckpointError for refused globals."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint '{path}' does not exist")
    try:
        with warnings.catch_warnings():  # torch's legacy format compares each module's source with the pickled one
            warnings.filterwarnings("ignore", message="Couldn't retrieve source code for container")
            return torch.load(path, map_location="cpu", pickle_module=_pickle_module(str(path)), weights_only=False)
    except CloneError:
        raise
    except Exception as e:  # damaged files raise nearly anything: EOFError, KeyError, zipfile errors, MemoryError...
        raise CheckpointError(
            f"checkpoint '{path}' could not be read ({type(e).__name__}: {str(e)[:200]}); is it a complete .pt file?"
        ) from e


def probe_pickle(path: str | Path) -> str | None:
    """Why a file holding a pickle (raw, or inside a .npy/.npz) is not read, or None when it holds none.

    For files that must never contain a pickle (data set caches): the pickle is only walked by the restricted
    unpickler, so a payload is named, never run.
    """
    import zipfile

    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                blobs = [(f"{path}:{n}", z.read(n)) for n in z.namelist()[:64]]
        else:
            blobs = [(str(path), path.read_bytes())]
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    for source, data in blobs:
        if data[:6] == b"\x93NUMPY":  # .npy: skip its header to the payload
            hlen = int.from_bytes(data[8:10], "little") if data[6] == 1 else int.from_bytes(data[8:12], "little")
            data = data[(10 if data[6] == 1 else 12) + hlen :]
        if data[:1] != b"\x80":
            continue
        try:
            restricted_loads(data, source)
        except CheckpointError as e:
            if "refusing" in str(e):
                return str(e).split(". ")[0]
            continue
        return f"{source} holds a pickle, which this package does not read from this kind of file"
    return None


_LITERAL_KEYS = ("names", "imgsz", "kpt_shape", "kpt_names", "args", "channels", "stride", "batch", "end2end")


def read_metadata(data: str | bytes | dict[str, Any], source: str = "<metadata>") -> dict[str, Any]:
    """The metadata dict stored beside an exported model, parsed without running anything.

    Accepts JSON or YAML text (TorchScript's `config.txt`, OpenVINO's `metadata.yaml`; YAML through `safe_load`, so
    `!!python/...` tags are refused), a pickle (through the restricted unpickler), or a dict of strings such as ONNX's
    `custom_metadata_map`, whose Python-literal values (`"{0: 'person'}"`, `"[640, 640]"`) are read with
    `ast.literal_eval`, never `eval`. Raises CheckpointError naming what was refused.
    """
    if isinstance(data, (bytes, bytearray)):
        if data[:1] == b"\x80":  # a pickle (protocol 2+)
            out = restricted_loads(bytes(data), source)
            if not isinstance(out, dict):
                raise CheckpointError(f"{source}: metadata must be a mapping, got {type(out).__name__}")
            return _literal_values(out, source)
        data = bytes(data).decode("utf-8", errors="replace")
    if isinstance(data, str):
        import yaml

        try:
            out = yaml.safe_load(data)  # JSON is YAML
        except yaml.YAMLError as e:
            raise CheckpointError(f"{source}: metadata is not plain JSON/YAML data, refused: {str(e)[:300]}") from e
        if out is None:
            return {}
        if not isinstance(out, dict):
            raise CheckpointError(f"{source}: metadata must be a mapping, got {type(out).__name__}")
        data = out
    if not isinstance(data, dict):
        raise CheckpointError(f"{source}: metadata must be text or a mapping, got {type(data).__name__}")
    return _literal_values(data, source)


def _literal_values(meta: dict, source: str) -> dict[str, Any]:
    """String values of the keys the exporter writes as Python literals, parsed with ast.literal_eval."""
    import ast

    out = dict(meta)
    for k in _LITERAL_KEYS:
        v = out.get(k)
        if isinstance(v, str):
            try:
                out[k] = ast.literal_eval(v)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as e:
                raise CheckpointError(
                    f"{source}: metadata '{k}' is not a plain Python literal ({type(e).__name__}); refusing to "
                    f"evaluate {v[:80]!r}"
                ) from e
    return out


def foreign_state_dict(obj: Any, prefix: str = "", out: dict | None = None) -> dict[str, torch.Tensor]:
    """state_dict of a pickled module tree of ForeignObjects (parameters, persistent buffers, children)."""
    out = {} if out is None else out
    if isinstance(obj, nn.Module):
        out.update({prefix + k: v for k, v in obj.state_dict().items()})
        return out
    d = getattr(obj, "__dict__", {})
    skip = d.get("_non_persistent_buffers_set") or set()
    for k, v in (d.get("_parameters") or {}).items():
        if v is not None:
            out[prefix + k] = v.data if isinstance(v, nn.Parameter) else v
    for k, v in (d.get("_buffers") or {}).items():
        if v is not None and k not in skip:
            out[prefix + k] = v
    for k, m in (d.get("_modules") or {}).items():
        if m is not None:
            foreign_state_dict(m, f"{prefix}{k}.", out)
    return out


def _plain(v: Any) -> Any:
    """Foreign namespaces (e.g. pickled IterableSimpleNamespace args) -> dicts; everything else unchanged."""
    if isinstance(v, ForeignObject):
        return {k: _plain(x) for k, x in v.__dict__.items() if not k.startswith("_")}
    return v


_MODEL_ATTRS = ("names", "pt_path", "task", "kpt_shape", "kpt_names", "kpt_oks_sigmas")
_HEAD_ATTRS = ("_end2end", "max_det")


# Bounds on a stored model YAML, far above any released architecture: a damaged or hostile file must not make the
# rebuild allocate gigabytes or create millions of layers before its tensors are compared.
_YAML_LIMITS = {"rows": 512, "repeats": 64, "int_arg": 8192, "nc": 100_000, "channels": 64, "scale": 4.0}


def _check_yaml_sizes(yaml: dict, source: str) -> None:
    """CheckpointError when the stored YAML asks for an implausibly large network (see _YAML_LIMITS)."""
    lim = _YAML_LIMITS

    def ints(v: Any):
        if isinstance(v, bool):
            return
        if isinstance(v, (int, float)):
            yield v
        elif isinstance(v, (list, tuple)):
            for x in v:
                yield from ints(x)

    def refuse(what: str) -> CheckpointError:
        return CheckpointError(f"{source}: its stored model YAML asks for {what}; the file is damaged or not a model")

    rows = [r for k in ("backbone", "head") for r in (yaml.get(k) or [])]
    if len(rows) > lim["rows"]:
        raise refuse(f"{len(rows)} layers")
    for r in rows:
        if isinstance(r, (list, tuple)) and len(r) == 4:
            if isinstance(r[1], (int, float)) and not isinstance(r[1], bool) and abs(r[1]) > lim["repeats"]:
                raise refuse(f"a layer repeated {r[1]} times")
            if any(abs(x) > lim["int_arg"] for x in ints(r[3])):
                raise refuse(f"layer arguments {str(r[3])[:60]}")
    for key, bound in (("nc", lim["nc"]), ("channels", lim["channels"])):
        if any(abs(x) > bound for x in ints(yaml.get(key))):
            raise refuse(f"{key}={yaml.get(key)}")
    for name, values in (yaml.get("scales") or {}).items() if isinstance(yaml.get("scales"), dict) else ():
        vals = list(ints(values))
        if any(abs(x) > lim["scale"] for x in vals[:2]) or any(abs(x) > lim["int_arg"] for x in vals[2:]):
            raise refuse(f"scale {name}={values}")
    for key in ("depth_multiple", "width_multiple"):
        if any(abs(x) > lim["scale"] for x in ints(yaml.get(key))):
            raise refuse(f"{key}={yaml.get(key)}")


def rebuild_model(src: Any, source: str = "<checkpoint>") -> nn.Module:
    """Our model equivalent of a pickled (foreign) task model: built from its `yaml`, tensors loaded strictly."""
    from ultralytics_clone.nn import tasks

    if isinstance(src, nn.Module):
        return src
    cls_name = type(src).__name__
    model_cls = {c.__name__: c for c in tasks.TASK_MODELS.values()}.get(cls_name)
    yaml = getattr(src, "yaml", None)
    if model_cls is None or not isinstance(yaml, dict):
        raise CheckpointError(
            f"{source}: its model is a {getattr(src, '_origin', cls_name)}, which cannot be rebuilt here; supported: "
            f"{', '.join(sorted(c.__name__ for c in tasks.TASK_MODELS.values()))} with a 'yaml' attribute"
        )
    _check_yaml_sizes(yaml, source)
    head = _last_layer(src)
    stride = getattr(head, "__dict__", {}).get("stride")
    try:
        with tasks.known_strides(stride if isinstance(stride, torch.Tensor) else None):  # no dry run to find it
            model = model_cls(dict(yaml), ch=yaml.get("channels", 3), nc=yaml.get("nc"), verbose=False)
    except CloneError as e:
        raise CheckpointError(f"{source}: rebuilding its model from the stored YAML failed: {e}") from e
    sd = {k: (v.float() if v.is_floating_point() else v) for k, v in foreign_state_dict(src).items()}
    missing, unexpected = set(model.state_dict()) - set(sd), set(sd) - set(model.state_dict())
    if missing and all(".bn." in k for k in missing) and hasattr(model, "fuse"):
        model.fuse(verbose=False)  # saved after fuse(): BatchNorms folded into the convs
        missing = set(model.state_dict()) - set(sd)
        unexpected = set(sd) - set(model.state_dict())
    if missing or unexpected:
        raise CheckpointError(
            f"{source}: tensors do not match the rebuilt {cls_name}: missing {sorted(missing)[:5]}, unexpected "
            f"{sorted(unexpected)[:5]} ({len(missing)} / {len(unexpected)} in all)"
        )
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise CheckpointError(f"{source}: tensor shapes do not match the rebuilt {cls_name}: {e}") from e
    _copy_attributes(src, model)
    model.train(bool(getattr(src, "training", False)))
    return model


def _copy_attributes(src: Any, model: nn.Module) -> None:
    for k in _MODEL_ATTRS:
        if k in src.__dict__:
            setattr(model, k, _plain(src.__dict__[k]))
    if "args" in src.__dict__:
        model.args = _plain(src.__dict__["args"])
    stride = src.__dict__.get("stride")
    if isinstance(stride, torch.Tensor):
        model.stride = stride.float()
    _copy_norm_settings(src, model)
    head, fhead = model.model[-1], _last_layer(src)
    for k in _HEAD_ATTRS:
        if fhead is not None and k in fhead.__dict__:
            setattr(head, k, fhead.__dict__[k])
    if fhead is not None and isinstance(fhead.__dict__.get("end2end"), bool):  # releases storing a plain attribute
        head.end2end = fhead.__dict__["end2end"]
    if fhead is not None and isinstance(fhead.__dict__.get("stride"), torch.Tensor):
        head.stride = fhead.__dict__["stride"].float()


def _foreign_child(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = (getattr(obj, "__dict__", {}).get("_modules") or {}).get(part)
        if obj is None:
            return None
    return obj


def _copy_norm_settings(src: Any, model: nn.Module) -> None:
    """BatchNorm eps/momentum as pickled (classification models keep torch's defaults, detection models do not)."""
    for name, m in model.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            f = _foreign_child(src, name)
            if f is not None:
                m.eps = f.__dict__.get("eps", m.eps)
                m.momentum = f.__dict__.get("momentum", m.momentum)


def _last_layer(src: Any) -> Any:
    seq = (src.__dict__.get("_modules") or {}).get("model")
    mods = list((getattr(seq, "__dict__", {}).get("_modules") or {}).values())
    return mods[-1] if mods else None


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module | None, dict]:
    """(model, ckpt) from a .pt: Ultralytics' or ours (model rebuilt, float32, on `device`), or (None, state_dict).

    ckpt keeps every top-level key of the file; its 'model' (and 'ema', when present) is replaced by the rebuilt model.
    Any damage to the file raises CheckpointError.
    """
    try:
        return _load_checkpoint(path, device)
    except CloneError:
        raise
    except Exception as e:  # a damaged pickle can hold any structure; rebuilding from it fails in arbitrary ways
        raise CheckpointError(
            f"{path}: its contents are damaged or not a model this package can rebuild ({type(e).__name__}: "
            f"{str(e)[:200]})"
        ) from e


def _load_checkpoint(path: str | Path, device: str | torch.device) -> tuple[nn.Module | None, dict]:
    source = str(path)
    ckpt = restricted_load(path)
    if isinstance(ckpt, ForeignObject):  # a bare pickled model
        ckpt = {"model": ckpt}
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{source}: expected a checkpoint dict or a model, got {type(ckpt).__name__}")
    if ckpt and all(isinstance(v, torch.Tensor) for v in ckpt.values()):
        return None, ckpt  # plain state_dict: the caller supplies the architecture
    src = ckpt.get("ema") or ckpt.get("model")
    if src is None:
        raise CheckpointError(f"{source}: the checkpoint has neither 'model' nor 'ema'; keys: {sorted(ckpt)[:12]}")
    if isinstance(src, dict) and all(isinstance(v, torch.Tensor) for v in src.values()):
        return None, ckpt
    model = rebuild_model(src, source).to(device)
    for k in ("model", "ema"):
        if ckpt.get(k) is not None:
            ckpt[k] = model
    if "train_args" in ckpt:
        ckpt["train_args"] = _plain(ckpt["train_args"])
    if not hasattr(model, "args") and isinstance(ckpt.get("train_args"), dict):
        model.args = ckpt["train_args"]
    model.pt_path = source
    model.task = getattr(model, "task", None) or tasks_guess(model)
    LOGGER.debug(f"loaded {source}: {type(model).__name__}, {len(model.state_dict())} tensors")
    return model, ckpt


def tasks_guess(model: nn.Module) -> str:
    from ultralytics_clone.nn.tasks import guess_model_task

    return guess_model_task(model)


__all__ = ["load_checkpoint", "restricted_load", "restricted_loads", "read_metadata", "probe_pickle", "rebuild_model", "foreign_state_dict", "ForeignObject"]
