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
            model, own = weights, False  # the caller's network: changed only through a copy
            if (fuse and hasattr(model, "fuse")) or fp16:
                model, own = copy.deepcopy(model), True
        else:
            (model, _), own = load_pytorch_model(weights), True
        model = model.to(device)
        if fuse and hasattr(model, "fuse"):
            model = model.fuse(verbose=False)
        self.channels_last = own and device.type == "cpu"  # oneDNN runs NHWC convolutions a quarter faster on CPU
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.fp16 = bool(fp16)
        model = model.half() if self.fp16 else model.float()
        self.model = model.eval()
        self.metadata = model_metadata(model)

    def forward(self, im: torch.Tensor, augment: bool = False, visualize: Any = False, embed: list[int] | None = None,
                **kwargs: Any) -> Any:  # fmt: skip
        """The network's inference output; `embed` returns feature vectors of those layers instead; `visualize` (a
        folder) saves each stage's feature maps there; `augment` merges flipped and rescaled passes (detection)."""
        if not hasattr(self.model, "predict"):
            return self.model(im)
        if embed:
            return self.model.predict(im, embed=embed)
        if augment:
            return self._augmented(im)
        if visualize:
            return self._visualized(im, Path(visualize))
        return self.model.predict(im)

    def _visualized(self, im: torch.Tensor, folder: Path) -> Any:
        """One forward pass with a hook per stage writing its feature maps as PNG into `folder`."""
        from ultralytics_clone.utils.plotting import feature_visualization

        hooks = [m.register_forward_hook(lambda mod, _, out, k=k: feature_visualization(out, type(mod).__name__, k,
                                                                                       save_dir=folder))
                 for k, m in enumerate(self.model.model)]  # fmt: skip
        try:
            return self.model.predict(im)
        finally:
            for h in hooks:
                h.remove()

    def _augmented(self, im: torch.Tensor) -> Any:
        """Test-time augmentation: the image at scales 1, 0.83, 0.67 (the middle one flipped left-right); decoded
        boxes mapped back to the input and concatenated before NMS. Heads without a (B, 4+nc, A) output run once."""
        from ultralytics_clone.utils.log import warn_once

        y0 = self.model.predict(im)
        if self.metadata.get("task") != "detect" or getattr(self.model, "end2end", False):
            warn_once("augment=True: test-time augmentation applies to detection models without end-to-end heads; "
                      "running a single pass.")
            return y0
        y0 = y0[0] if isinstance(y0, (list, tuple)) else y0
        h, w = im.shape[2:]
        gs = int(self.metadata.get("stride", 32))
        outs = [y0]
        for scale, flip in ((0.83, True), (0.67, False)):
            nh, nw = (max(int(round(d * scale / gs)) * gs, gs) for d in (h, w))
            x = nn.functional.interpolate(im, size=(nh, nw), mode="bilinear", align_corners=False)
            x = x.flip(3) if flip else x
            y = self.model.predict(x)
            y = (y[0] if isinstance(y, (list, tuple)) else y).clone()
            y[:, 0] *= w / nw
            y[:, 1] *= h / nh
            y[:, 2] *= w / nw
            y[:, 3] *= h / nh
            if flip:
                y[:, 0] = w - y[:, 0]
            outs.append(y)
        return torch.cat(outs, 2)


__all__ = ["Backend", "load_pytorch_model", "model_metadata"]
