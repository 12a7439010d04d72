"""PyTorch backend: an in-memory nn.Module or a .pt checkpoint; also the one function that loads a checkpoint."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ultralytics_clone.nn.backends import base
from ultralytics_clone.utils.errors import CheckpointError


def load_pytorch_model(weights: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """(network, checkpoint dict) of a .pt path or release name ('yolo11n.pt' is fetched into weights_dir when
    missing), read through nn.weights' restricted loader. A state_dict-only file raises CheckpointError."""
    from ultralytics_clone.engine.checkpoint import resolve_weights
    from ultralytics_clone.nn.weights import load_checkpoint

    path = resolve_weights(str(weights))
    model, ckpt = load_checkpoint(path, device=device)
    if model is None:
        raise CheckpointError(
            f"'{path}' holds only a state_dict (tensors without the architecture). Build the network from its "
            f"YAML and copy the tensors in: YOLO('yolo11n.yaml').load('{path}')."
        )
    return model, ckpt


def model_metadata(model: nn.Module) -> dict[str, Any]:
    """stride, names, task, imgsz, channels, end2end and args as a network carries them."""
    stride = getattr(model, "stride", None)
    args = getattr(model, "args", None)
    args = dict(args) if isinstance(args, dict) else dict(vars(args)) if args is not None else {}
    yaml = getattr(model, "yaml", None) or {}
    meta = {
        "stride": int(torch.as_tensor(stride).max()) if stride is not None else 32,
        "names": getattr(model, "names", None),
        "task": getattr(model, "task", None),
        "imgsz": args.get("imgsz"),
        "channels": int(yaml.get("channels", 3)) if isinstance(yaml, dict) else 3,
        "end2end": bool(getattr(model, "end2end", False)),
        "args": args,
    }
    return meta


class Backend(base.Backend):
    """Runs an nn.Module: in eval mode on `device`, BatchNorm fused and halved on request.

    A network passed in memory is copied before fusing or halving, so the caller's model (which may still be
    trained, saved or fine-tuned) is never changed.
    """

    def __init__(self, weights: str | Path | nn.Module, device: torch.device, fp16: bool = False, fuse: bool = True,
                 verbose: bool = True, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(weights, device, fp16, fuse, verbose)
        if isinstance(weights, nn.Module):
            model = weights
            if (fuse and hasattr(model, "fuse")) or fp16:
                model = copy.deepcopy(model)
        else:
            model, _ = load_pytorch_model(weights)
        model = model.to(device)
        if fuse and hasattr(model, "fuse"):
            model = model.fuse(verbose=False)
        self.fp16 = bool(fp16)
        model = model.half() if self.fp16 else model.float()
        self.model = model.eval()
        self.metadata = model_metadata(model)

    def forward(self, im: torch.Tensor, augment: bool = False, visualize: Any = False, embed: list[int] | None = None,
                **kwargs: Any) -> Any:  # fmt: skip
        """The network's inference output; `embed` returns feature vectors of those layers instead."""
        if hasattr(self.model, "predict"):
            kw = {k: v for k, v in (("augment", augment), ("visualize", visualize), ("embed", embed)) if v}
            return self.model.predict(im, **kw)
        return self.model(im)


__all__ = ["Backend", "load_pytorch_model", "model_metadata"]
