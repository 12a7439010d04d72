"""Torch helpers used across the package: devices, seeds, model unwrapping, optimizer state compaction."""

from __future__ import annotations

import math

import torch
from torch import nn

from ultralytics_clone.utils.devices import init_seeds, select_device


def unwrap_model(model: nn.Module) -> nn.Module:
    """The bare module inside DataParallel / DistributedDataParallel / torch.compile wrappers."""
    while True:
        if isinstance(model, (nn.parallel.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        elif hasattr(model, "_orig_mod"):
            model = model._orig_mod
        else:
            return model


de_parallel = unwrap_model  # Ultralytics' older name


def convert_optimizer_state_dict_to_fp16(state_dict: dict) -> dict:
    """Cast the float32 tensors of an optimizer state_dict to float16 in place (checkpoint size), keep 'step'."""
    for state in state_dict["state"].values():
        for k, v in state.items():
            if k != "step" and isinstance(v, torch.Tensor) and v.dtype is torch.float32:
                state[k] = v.half()
    return state_dict


class ModelEMA:
    """Exponential moving average of a model's float state (weights and BN statistics) for evaluation/checkpoints.

    decay ramps up as decay * (1 - exp(-updates / tau)), so early updates follow the model closely.
    """

    def __init__(self, model: nn.Module, decay: float = 0.9999, tau: float = 2000, updates: int = 0) -> None:
        from copy import deepcopy

        self.ema = deepcopy(unwrap_model(model)).eval()
        self.updates = updates
        self.decay = lambda x: decay * (1 - math.exp(-x / tau))
        self.enabled = True
        for p in self.ema.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """ema = d * ema + (1 - d) * model over all floating tensors, in a few fused foreach ops."""
        if not self.enabled:
            return
        self.updates += 1
        d = self.decay(self.updates)
        msd = unwrap_model(model).state_dict()
        pairs = [(v, msd[k]) for k, v in self.ema.state_dict().items() if v.dtype.is_floating_point]
        if pairs:
            ema_t = [e for e, _ in pairs]
            torch._foreach_mul_(ema_t, d)
            torch._foreach_add_(ema_t, [m.detach().to(e.dtype) for e, m in pairs], alpha=1 - d)

    def update_attr(self, model: nn.Module, include: tuple = (), exclude: tuple = ("process_group", "reducer")) -> None:
        """Copy plain attributes (names, nc, args, stride...) from model to the EMA copy."""
        src = unwrap_model(model)
        for k, v in src.__dict__.items():
            if (include and k not in include) or k.startswith("_") or k in exclude:
                continue
            setattr(self.ema, k, v)

    def state_dict(self) -> dict:
        return {"updates": self.updates}


__all__ = ["ModelEMA", "select_device", "init_seeds", "unwrap_model", "de_parallel", "convert_optimizer_state_dict_to_fp16"]


# --- model helpers (issue 3: models) ---------------------------------------------------------------------------
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from ultralytics_clone.utils import LOGGER  # noqa: E402


def time_sync() -> float:
    """time.time() after waiting for pending CUDA work."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.time()


@torch.no_grad()  # fused weights are plain leaf tensors, not results of an autograd graph
def fuse_conv_and_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A Conv2d with bias equal to conv followed by bn in eval mode (running statistics)."""
    fused = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
        dilation=conv.dilation, groups=conv.groups, bias=True, padding_mode=conv.padding_mode,
    ).requires_grad_(False).to(conv.weight.device)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    fused.weight.copy_((conv.weight * scale.view(-1, 1, 1, 1)).to(fused.weight.dtype))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.copy_(((bias - bn.running_mean) * scale + bn.bias).to(fused.bias.dtype))
    return fused


def initialize_weights(model: nn.Module) -> None:
    """BatchNorm eps 1e-3 / momentum 0.03 (the values the reference checkpoints carry); conv init left to torch."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps, m.momentum = 1e-3, 0.03


def get_num_params(model: nn.Module) -> int:
    """Total number of parameters (trainable or not)."""
    return sum(p.numel() for p in model.parameters())


def get_num_gradients(model: nn.Module) -> int:
    """Number of parameters with requires_grad."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _bn_flops(*args, out_shape=None, **kwargs) -> int:
    """Unfused eval BatchNorm: subtract mean, divide by std, scale, shift = 4 FLOPs per output element."""
    first = out_shape[0] if isinstance(out_shape, (tuple, list)) else None
    shape = first if isinstance(first, (tuple, list, torch.Size)) else out_shape
    n = 1
    for d in shape:
        n *= int(d)
    return 4 * n


def _norm_flop_formulas() -> dict:
    ops = torch.ops.aten
    bn_ops = (ops._native_batch_norm_legit_no_training, ops.native_batch_norm, ops._native_batch_norm_legit)
    return {op: _bn_flops for op in bn_ops}


def get_flops(model: nn.Module, imgsz: int | list[int] = 640) -> float:
    """GFLOPs of one eval forward at imgsz: torch.utils.flop_counter (conv / matmul / attention, 2 per MAC) plus
    4 per element of each unfused BatchNorm; element-wise activations, pooling and upsampling count 0.

    Shapes only: the input is a fake tensor (no arithmetic is done), or a meta tensor for a meta model; attributes
    the forward caches (anchors...) are restored afterwards. Returns 0.0 when it cannot run.
    """
    from torch.utils.flop_counter import FlopCounterMode

    p = next(model.parameters(), None)
    if p is None:
        return 0.0
    h, w = (imgsz, imgsz) if isinstance(imgsz, int) else imgsz
    ch = int(getattr(model, "yaml", {}).get("channels", 3)) if isinstance(getattr(model, "yaml", None), dict) else 3
    saved = {m: dict(m.__dict__) for m in model.modules()}  # training flags and forward-time caches
    try:
        model.eval()
        for m in model.modules():  # plain-tensor strides -> floats: fake/meta tensors cannot be read as numbers
            if isinstance(m.__dict__.get("stride"), torch.Tensor):
                m.stride = [float(s) for s in m.__dict__["stride"]]
        with torch.no_grad(), _shape_only_mode(p):
            x = torch.zeros(1, ch, h, w, device=p.device, dtype=p.dtype)
            with FlopCounterMode(display=False, custom_mapping=_norm_flop_formulas()) as counter:
                model(x)
        return counter.get_total_flops() / 1e9
    except Exception as e:  # noqa: BLE001 - FLOPs are informational only
        LOGGER.debug(f"FLOPs not computed: {e}")
        return 0.0
    finally:
        for m, d in saved.items():
            m.__dict__.clear()
            m.__dict__.update(d)


def _shape_only_mode(p: torch.Tensor):
    """FakeTensorMode over real parameters (no compute); nothing extra for meta ones."""
    import contextlib

    if p.is_meta:
        return contextlib.nullcontext()
    try:
        from torch._subclasses.fake_tensor import FakeTensorMode
    except ImportError:  # pragma: no cover - older torch: count on real tensors
        return contextlib.nullcontext()
    return FakeTensorMode(allow_non_fake_inputs=True)


def model_info(model: nn.Module, detailed: bool = False, verbose: bool = True, imgsz: int = 640):
    """Log a one-line summary (layers, parameters, gradients, GFLOPs); returns (layers, params, grads, gflops)."""
    n_p, n_g = get_num_params(model), get_num_gradients(model)
    n_l = len(list(model.modules()))
    if detailed:
        LOGGER.info(f"{'layer':>5}{'name':>40}{'gradient':>9}{'parameters':>12}{'shape':>20}{'mu':>10}{'sigma':>10}")
        for i, (name, p) in enumerate(model.named_parameters()):
            mu, sd = (p.mean().item(), p.std().item()) if p.numel() > 1 and not p.is_meta else (0.0, 0.0)
            shape = str(list(p.shape))
            LOGGER.info(f"{i:5g}{name:>40}{p.requires_grad!s:>9}{p.numel():12g}{shape:>20}{mu:10.3g}{sd:10.3g}")
    flops = get_flops(model, imgsz)
    fused = " (fused)" if getattr(model, "is_fused", lambda: False)() else ""
    gf = f", {flops:.1f} GFLOPs" if flops else ""
    name = Path(str(getattr(model, "yaml_file", "") or getattr(model, "yaml", {}).get("yaml_file", "") or "")).stem
    name = name.replace("yolo", "YOLO") if name else "Model"
    if verbose:
        LOGGER.info(f"{name} summary{fused}: {n_l:,} layers, {n_p:,} parameters, {n_g:,} gradients{gf}")
    return n_l, n_p, n_g, flops


def intersect_dicts(da: dict, db: dict, exclude: tuple[str, ...] = ()) -> dict:
    """Entries of da whose key is in db with the same shape and contains none of `exclude`."""
    return {k: v for k, v in da.items() if k in db and all(x not in k for x in exclude) and v.shape == db[k].shape}


__all__ += [
    "time_sync", "fuse_conv_and_bn", "initialize_weights", "get_num_params", "get_num_gradients", "get_flops",
    "model_info", "intersect_dicts",
]
