"""Task models built from a model YAML: BaseModel, Detection/Segmentation/Pose/OBB/ClassificationModel.

YOLO26 heads carry a one-to-one (NMS-free) branch. Its eval output is selected with the model-level switch
`model.end2end = True` (forwarded to the head); by default eval returns the one-to-many output that needs NMS.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.nn.modules import OBB, Classify, Conv, Conv2, Detect, Pose, RepConv, Segment
from ultralytics_clone.nn.parse import MODELS_DIR, default_device_zero, parse_model, resolve_model_yaml
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import ModelConfigError
from ultralytics_clone.utils.torch_utils import fuse_conv_and_bn, initialize_weights, intersect_dicts, model_info


class BaseModel(nn.Module):
    """Runs the layer list, routing saved outputs by each layer's `f` (from) index."""

    def forward(self, x, *args, **kwargs):
        """A dict is a training batch -> loss(); a tensor -> predict()."""
        if isinstance(x, dict):
            return self.loss(x, *args, **kwargs)
        return self.predict(x, *args, **kwargs)

    def predict(self, x: torch.Tensor, profile: bool = False, visualize: bool = False, augment: bool = False,
                embed: list[int] | None = None):
        """Forward x (Tensor[B, C, H, W], 0-1) through all layers; `embed` returns pooled features of those layers."""
        y, embeddings = [], []
        stop = max(embed) if embed else None
        for m in self.model:
            if m.f != -1:
                x = y[m.f] if isinstance(m.f, int) else [x if j == -1 else y[j] for j in m.f]
            x = m(x)
            y.append(x if m.i in self.save else None)
            if embed and m.i in embed:
                embeddings.append(nn.functional.adaptive_avg_pool2d(x, (1, 1)).squeeze(-1).squeeze(-1))
                if m.i == stop:
                    return torch.unbind(torch.cat(embeddings, 1), dim=0)
        return x

    def is_fused(self, thresh: int = 10) -> bool:
        """True when fewer than `thresh` BatchNorm layers remain."""
        return sum(isinstance(v, nn.BatchNorm2d) for v in self.modules()) < thresh

    def fuse(self, verbose: bool = True, imgsz: int = 640) -> BaseModel:
        """Fold every Conv's BatchNorm into its conv weights (inference only; outputs unchanged to ~1e-6); `verbose`
        logs the fused summary with GFLOPs at `imgsz`."""
        if not self.is_fused():
            for m in self.modules():
                if isinstance(m, (Conv2, RepConv)):
                    m.fuse_convs()  # parallel branches into one kernel (Conv2's BN is folded just below)
                if isinstance(m, Conv) and hasattr(m, "bn"):
                    m.conv = fuse_conv_and_bn(m.conv, m.bn)
                    delattr(m, "bn")
                    m.forward = m.forward_fuse
            if verbose:
                self.info(imgsz=imgsz)
        return self

    def info(self, detailed: bool = False, verbose: bool = True, imgsz: int = 640):
        """Log layers / parameters / gradients / GFLOPs; returns them as a tuple."""
        return model_info(self, detailed=detailed, verbose=verbose, imgsz=imgsz)

    def load(self, weights, verbose: bool = True) -> BaseModel:
        """Copy the tensors of `weights` (model, checkpoint dict, state_dict or .pt path) whose name and shape match."""
        if isinstance(weights, (str, Path)):
            from ultralytics_clone.nn.weights import load_checkpoint

            model, ckpt = load_checkpoint(weights)
            weights = model if model is not None else ckpt
        if isinstance(weights, dict) and isinstance(weights.get("model", weights.get("ema")), nn.Module):
            weights = weights.get("ema") or weights["model"]
        sd = weights.float().state_dict() if isinstance(weights, nn.Module) else weights
        own = self.state_dict()
        csd = intersect_dicts(sd, own)
        self.load_state_dict(csd, strict=False)
        if verbose:
            LOGGER.info(f"Transferred {len(csd)}/{len(own)} items from pretrained weights")
        return self

    def loss(self, batch: dict, preds=None):
        """(loss * batch_size, loss.detach()) from the lazily built criterion."""
        if getattr(self, "criterion", None) is None:
            self.criterion = self.init_criterion()
        if preds is None:
            preds = self.forward(batch["img"])
        with torch.autocast(batch["img"].device.type, enabled=False):  # the loss runs in float32 under any AMP
            return self.criterion(_float32(preds), batch)

    def init_criterion(self):
        """The loss object for this task (subclasses override)."""
        raise NotImplementedError(f"{type(self).__name__} has no loss; override init_criterion()")

    def _apply(self, fn):
        """Move/cast the head's non-buffer tensors (stride, anchors) along with the parameters."""
        self = super()._apply(fn)
        head = self.model[-1] if hasattr(self, "model") else None
        if isinstance(head, Detect):
            head.stride = fn(head.stride)
            if "anchors" in head.__dict__:
                head.anchors, head.strides = fn(head.anchors), fn(head.strides)
        return self


def _float32(x: Any) -> Any:
    """x with its lower-precision floating tensors (an autocast forward's outputs) cast to float32, nesting kept."""
    if isinstance(x, torch.Tensor):
        return x.float() if x.is_floating_point() and x.dtype != torch.float64 else x
    if isinstance(x, (list, tuple)):
        return type(x)(_float32(v) for v in x)
    if isinstance(x, dict):
        return {k: _float32(v) for k, v in x.items()}
    return x


def _build_layers(model: BaseModel, cfg, ch: int, nc: int | None, verbose: bool) -> int:
    """Shared constructor part: yaml dict, overrides, parse. Returns the input channels."""
    model.yaml = copy.deepcopy(cfg) if isinstance(cfg, dict) else yaml_model_load(cfg)
    ch = model.yaml["channels"] = model.yaml.get("channels") or ch or 3  # ch=None (seed 001's Model(cfg, None)): 3
    if nc and nc != model.yaml.get("nc"):
        if verbose:
            LOGGER.info(f"Overriding model.yaml nc={model.yaml.get('nc')} with nc={nc}")
        model.yaml["nc"] = nc
    if model.yaml.get("nc") is None:
        raise ModelConfigError(f"{model.yaml.get('yaml_file', '<dict>')}: no 'nc' (number of classes) given")
    model.model, model.save = parse_model(copy.deepcopy(model.yaml), ch=ch, verbose=verbose)
    model.names = {i: f"{i}" for i in range(model.yaml["nc"])}
    model.nc = model.yaml["nc"]
    return ch


_KNOWN_STRIDES: ContextVar[torch.Tensor | None] = ContextVar("known_strides", default=None)


@contextlib.contextmanager
def known_strides(stride: torch.Tensor | None) -> Iterator[None]:
    """Detection models built inside take `stride` (one per head level, e.g. a checkpoint's) instead of finding it
    with a dry run: the checkpoint loader's shortcut, as its tensors replace the new weights anyway."""
    token = _KNOWN_STRIDES.set(None if stride is None else torch.as_tensor(stride, dtype=torch.float32).flatten())
    try:
        yield
    finally:
        _KNOWN_STRIDES.reset(token)


class DetectionModel(BaseModel):
    """YOLO detection model: backbone + neck + Detect head; strides found with a 256x256 dry run."""

    def __init__(self, cfg: str | Path | dict = "yolo26n.yaml", ch: int = 3, nc: int | None = None,
                 verbose: bool = True):
        super().__init__()
        ch = _build_layers(self, cfg, ch, nc, verbose)
        self.inplace = self.yaml.get("inplace", True)
        head = self.model[-1]
        if isinstance(head, Detect):
            head.inplace = self.inplace
            known = _KNOWN_STRIDES.get()
            if known is not None and len(known) == head.nl:
                head.stride = known.clone()
            else:
                head.stride = self._infer_strides(head, ch)
            self.stride = head.stride
            head.bias_init()
        else:
            self.stride = torch.Tensor([32])
        initialize_weights(self)
        if verbose:
            self.info()
            LOGGER.info("")

    def _infer_strides(self, head: Detect, ch: int, s: int = 256) -> torch.Tensor:
        """Output size of each head level for an s x s input -> strides; BatchNorm statistics are left untouched."""
        bns = [m for m in self.modules() if isinstance(m, nn.BatchNorm2d)]
        saved = [(m.momentum, m.training) for m in bns]
        for m in bns:
            m.momentum, m.training = 0.0, False
        head_mode = head.training
        head.training = True
        try:
            with torch.no_grad():
                out = self.predict(default_device_zero(ch, s, self))
        finally:
            head.training = head_mode
            for m, (mom, tr) in zip(bns, saved):
                m.momentum, m.training = mom, tr
        feats = out["one2many"] if isinstance(out, dict) else out
        feats = feats[0] if isinstance(feats, tuple) else feats
        return torch.tensor([s / f.shape[-2] for f in feats], dtype=torch.float32, device="cpu")

    @property
    def end2end(self) -> bool:
        """Eval output comes from the head's one-to-one (NMS-free) branch; settable, False for heads without one."""
        head = self.model[-1]
        return bool(getattr(head, "end2end", False))

    @end2end.setter
    def end2end(self, value: bool) -> None:
        self.model[-1].end2end = value

    def init_criterion(self):
        from ultralytics_clone.utils import loss

        head = self.model[-1]
        return loss.E2ELoss(self) if getattr(head, "has_one2one", False) else loss.v8DetectionLoss(self)


class SegmentationModel(DetectionModel):
    """Detection + instance masks (Segment head)."""

    def __init__(self, cfg="yolo26n-seg.yaml", ch: int = 3, nc: int | None = None, verbose: bool = True):
        super().__init__(cfg=cfg, ch=ch, nc=nc, verbose=verbose)

    def init_criterion(self):
        from ultralytics_clone.utils import loss

        return loss.v8SegmentationLoss(self)


class PoseModel(DetectionModel):
    """Detection + keypoints (Pose head); `data_kpt_shape` overrides the YAML's kpt_shape."""

    def __init__(self, cfg="yolo26n-pose.yaml", ch: int = 3, nc: int | None = None,
                 data_kpt_shape: tuple = (None, None), verbose: bool = True):
        if not isinstance(cfg, dict):
            cfg = yaml_model_load(cfg)
        if any(data_kpt_shape) and list(data_kpt_shape) != list(cfg.get("kpt_shape", [])):
            LOGGER.info(f"Overriding model.yaml kpt_shape={cfg.get('kpt_shape')} with kpt_shape={data_kpt_shape}")
            cfg = dict(cfg, kpt_shape=list(data_kpt_shape))
        super().__init__(cfg=cfg, ch=ch, nc=nc, verbose=verbose)
        self.kpt_shape = self.yaml.get("kpt_shape")

    def init_criterion(self):
        from ultralytics_clone.utils import loss

        return loss.v8PoseLoss(self)


class OBBModel(DetectionModel):
    """Detection of rotated boxes (OBB head)."""

    def __init__(self, cfg="yolo26n-obb.yaml", ch: int = 3, nc: int | None = None, verbose: bool = True):
        super().__init__(cfg=cfg, ch=ch, nc=nc, verbose=verbose)

    def init_criterion(self):
        from ultralytics_clone.utils import loss

        return loss.v8OBBLoss(self)


class ClassificationModel(BaseModel):
    """Image classification: backbone + Classify head (stride 1)."""

    def __init__(self, cfg="yolo26n-cls.yaml", ch: int = 3, nc: int | None = None, verbose: bool = True):
        super().__init__()
        _build_layers(self, cfg, ch, nc, verbose)
        self.stride = torch.Tensor([1])
        initialize_weights(self)
        if verbose:
            self.info(imgsz=224)

    @staticmethod
    def reshape_outputs(model: nn.Module, nc: int) -> None:
        """Replace the last Linear/Classify output layer so it predicts nc classes."""
        head = model.model[-1] if hasattr(model, "model") else model
        if isinstance(head, Classify) and head.linear.out_features != nc:
            head.linear = nn.Linear(head.linear.in_features, nc)

    def init_criterion(self):
        from ultralytics_clone.utils import loss

        return loss.v8ClassificationLoss(self)


TASK_MODELS = {
    "detect": DetectionModel, "segment": SegmentationModel, "pose": PoseModel, "obb": OBBModel,
    "classify": ClassificationModel,
}
_HEAD_TASKS = (("Segment", "segment"), ("Pose", "pose"), ("OBB", "obb"), ("Classify", "classify"),
               ("Detect", "detect"))


def guess_model_scale(model_path: str | Path) -> str:
    """Scale letter n/s/m/l/x from a name like yolo11s-seg.yaml or yolov8x.pt; '' when none."""
    m = re.search(r"yolo(?:e-)?[v]?\d+([nslmx])", Path(str(model_path)).stem)
    return m.group(1) if m else ""


def yaml_model_load(path: str | Path) -> dict[str, Any]:
    """Load a model YAML; a scaled name (yolo11s.yaml) resolves to its family file (yolo11.yaml) with scale s.

    `yaml_file` in the result is the name as requested (as Ultralytics stores it in checkpoints).
    """
    from ultralytics_clone.utils.files import yaml_load

    path = Path(str(path))
    file = resolve_model_yaml(path)
    if file is None:
        raise ModelConfigError(
            f"model YAML '{path}' not found: it is not a file, and neither it nor its unscaled family name is among "
            f"the bundled configs in {MODELS_DIR}; pass a path to your YAML or a bundled name such as 'yolo11n.yaml'"
        )
    d = yaml_load(file)
    if not isinstance(d, dict):
        raise ModelConfigError(f"model YAML '{file}' must hold a mapping, got {type(d).__name__}")
    d["scale"] = guess_model_scale(path) or d.get("scale", "")
    d["yaml_file"] = str(path)
    return d


def guess_model_task(model: dict | nn.Module | str | Path) -> str:
    """'detect', 'segment', 'pose', 'obb' or 'classify' from a YAML dict, a model or a file name (default detect)."""
    if isinstance(model, dict):
        head = str((model.get("head") or [[None, None, ""]])[-1][2]).lower()
        for name, task in _HEAD_TASKS:
            if head.startswith(name.lower()):
                return task
    if isinstance(model, nn.Module):
        if isinstance(getattr(model, "task", None), str) and model.task in TASK_MODELS:
            return model.task
        heads = ((Segment, "segment"), (Pose, "pose"), (OBB, "obb"), (Classify, "classify"), (Detect, "detect"))
        for cls, task in heads:
            if any(isinstance(m, cls) for m in model.modules()):
                return task
    if isinstance(model, (str, Path)):
        stem = Path(str(model)).stem
        for suffix, task in (("-seg", "segment"), ("-cls", "classify"), ("-pose", "pose"), ("-obb", "obb")):
            if suffix in stem:
                return task
    LOGGER.warning("could not infer the model task; assuming 'detect'. Pass task=... explicitly.")
    return "detect"


def load_checkpoint(weight: str | Path, device=None, inplace: bool = True, fuse: bool = False):
    """(model, ckpt) of one .pt through nn.weights.load_checkpoint: float32, eval mode, optionally fused."""
    from ultralytics_clone.nn import weights

    model, ckpt = weights.load_checkpoint(weight, device=device or "cpu")
    if model is None:
        raise ModelConfigError(f"'{weight}' holds a bare state_dict; build the model from its YAML, then model.load()")
    model.eval()
    for m in model.modules():
        if isinstance(m, Detect):
            m.inplace = inplace
    return (model.fuse(verbose=False) if fuse else model), ckpt


attempt_load_one_weight = load_checkpoint  # Ultralytics' earlier name


def torch_safe_load(weight: str | Path, safe_only: bool | None = None) -> tuple[dict, str]:
    """(checkpoint dict, file) read through the restricted unpickler; its model entries are our rebuilt models.

    Loading is always restricted (nothing but tensors, containers and known model classes is unpickled), so
    `safe_only` is accepted for compatibility and changes nothing; there is no unrestricted mode.
    """
    from ultralytics_clone.nn import weights

    return weights.load_checkpoint(weight)[1], str(weight)


@contextlib.contextmanager
def temporary_modules(modules: dict[str, str] | None = None, attributes: dict[str, str] | None = None):
    """Within the block, `sys.modules[old]` is the module `new` for each {old: new} in `modules`, and each
    {'pkg.mod.Old': 'pkg.mod.New'} in `attributes` makes `Old` an alias of `New`; everything is restored after."""
    import importlib
    import sys

    saved_modules = {old: sys.modules.get(old) for old in modules or {}}
    saved_attrs = []
    try:
        for old, new in (attributes or {}).items():
            old_mod, old_name = old.rsplit(".", 1)
            new_mod, new_name = new.rsplit(".", 1)
            target = importlib.import_module(old_mod)
            saved_attrs.append((target, old_name, getattr(target, old_name, None)))
            setattr(target, old_name, getattr(importlib.import_module(new_mod), new_name))
        for old, new in (modules or {}).items():
            sys.modules[old] = importlib.import_module(new)
        yield
    finally:
        for old, mod in saved_modules.items():
            if mod is None:
                sys.modules.pop(old, None)
            else:
                sys.modules[old] = mod
        for target, name, value in saved_attrs:
            if value is None:
                delattr(target, name)
            else:
                setattr(target, name, value)


class Ensemble(nn.ModuleList):
    """Several detection models run on the same input; their raw predictions are concatenated for one NMS."""

    def forward(self, x: torch.Tensor, augment: bool = False, profile: bool = False):
        """(predictions concatenated over all models' anchors, None)."""
        outs = [m(x, augment=augment, profile=profile) if isinstance(m, BaseModel) else m(x) for m in self]
        outs = [o[0] if isinstance(o, (list, tuple)) else o for o in outs]
        return torch.cat(outs, 2), None


def attempt_load_weights(weights, device=None, inplace: bool = True, fuse: bool = False) -> nn.Module:
    """The model of one .pt (a list is accepted for Ultralytics compatibility; ensembles are not supported)."""
    if isinstance(weights, (list, tuple)):
        if len(weights) != 1:
            raise ModelConfigError(f"model ensembles are not supported; got {len(weights)} weight files")
        weights = weights[0]
    return load_checkpoint(weights, device, inplace, fuse)[0]


__all__ = [
    "attempt_load_one_weight", "attempt_load_weights", "torch_safe_load", "load_checkpoint", "temporary_modules",
    "Ensemble",
    "BaseModel", "DetectionModel", "SegmentationModel", "PoseModel", "OBBModel", "ClassificationModel",
    "yaml_model_load", "guess_model_task", "guess_model_scale", "TASK_MODELS",
]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
