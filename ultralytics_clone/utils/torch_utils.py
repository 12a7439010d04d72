"""Torch helpers used across the package: devices, seeds, model unwrapping, optimizer state compaction."""

from __future__ import annotations

import math

import torch
from torch import nn

from ultralytics_clone.utils.devices import init_seeds, select_device


def unwrap_model(m: nn.Module) -> nn.Module:
    """The bare module inside DataParallel / DistributedDataParallel / torch.compile wrappers."""
    while True:
        if isinstance(m, (nn.parallel.DataParallel, nn.parallel.DistributedDataParallel)):
            m = m.module
        elif hasattr(m, "_orig_mod"):
            m = m._orig_mod
        else:
            return m


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

    def update_attr(self, model: nn.Module, include: tuple = (), exclude: tuple = ()) -> None:
        """Copy plain attributes (names, nc, args, stride...) from model to the EMA copy (never DDP internals)."""
        src = unwrap_model(model)
        skip = {*exclude, "process_group", "reducer"}
        for k, v in src.__dict__.items():
            if (include and k not in include) or k.startswith("_") or k in skip:
                continue
            setattr(self.ema, k, v)

    def state_dict(self) -> dict:
        return {"updates": self.updates}


__all__ = ["ModelEMA", "select_device", "init_seeds", "unwrap_model", "de_parallel", "convert_optimizer_state_dict_to_fp16"]


# --- model helpers (issue 3: models) ---------------------------------------------------------------------------
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from ultralytics_clone.utils import LOGGER  # noqa: E402


def time_sync(device: torch.device | str | None = None) -> float:
    """time.time() after waiting for pending CUDA work (on `device`, or the current CUDA device)."""
    if torch.cuda.is_available() and (device is None or torch.device(device).type == "cuda"):
        torch.cuda.synchronize(device)
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


# --- Ultralytics-compatible helpers -------------------------------------------------------------------------------
import contextlib  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

from ultralytics_clone.utils.devices import parse_device  # noqa: E402,F401  (Ultralytics users import it from here)


def _at_least(version: str, minimum: str) -> bool:
    from ultralytics_clone.utils.checks import check_version

    return check_version(version, minimum)


def _torchvision_version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("torchvision")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


TORCH_1_9, TORCH_1_10, TORCH_1_11, TORCH_1_13 = (_at_least(torch.__version__, v) for v in ("1.9", "1.10", "1.11", "1.13"))
TORCH_2_0, TORCH_2_1, TORCH_2_2, TORCH_2_3, TORCH_2_4, TORCH_2_5, TORCH_2_7, TORCH_2_8, TORCH_2_9, TORCH_2_13 = (
    _at_least(torch.__version__, f"2.{v}") for v in (0, 1, 2, 3, 4, 5, 7, 8, 9, 13)
)
TORCHVISION_0_10, TORCHVISION_0_11, TORCHVISION_0_13, TORCHVISION_0_18 = (
    _at_least(_torchvision_version(), f"0.{v}") for v in (10, 11, 13, 18)
)


def is_parallel(model: nn.Module) -> bool:
    """True for a DataParallel / DistributedDataParallel wrapper."""
    return isinstance(model, (nn.parallel.DataParallel, nn.parallel.DistributedDataParallel))


def copy_attr(a: Any, b: Any, include: tuple = (), exclude: tuple = ()) -> None:
    """Copy b's public attributes onto a (only `include` when given, never `exclude`)."""
    for k, v in b.__dict__.items():
        if (include and k not in include) or k.startswith("_") or k in exclude:
            continue
        setattr(a, k, v)


def one_cycle(y1: float = 0.0, y2: float = 1.0, steps: int = 100) -> Callable[[float], float]:
    """Cosine ramp from y1 to y2 over `steps`: a function of the step."""
    return lambda x: max((1 - math.cos(x * math.pi / steps)) / 2, 0) * (y2 - y1) + y1


def smart_inference_mode(mode: bool = True) -> Callable:
    """Decorator: run under torch.inference_mode (or no_grad when mode=False); no-op if inference mode is already on."""

    def decorate(fn: Callable) -> Callable:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if torch.is_inference_mode_enabled():
                return fn(*args, **kwargs)
            with torch.inference_mode(mode) if mode else torch.no_grad():
                return fn(*args, **kwargs)

        return wrapper

    return decorate


def autocast(enabled: bool, device: str = "cuda") -> torch.autocast:
    """torch.autocast for `device` ('cuda', 'cpu', 'mps'), enabled or not."""
    return torch.autocast(device_type=str(device).split(":")[0], enabled=enabled)


@contextlib.contextmanager
def torch_distributed_zero_first(local_rank: int) -> Iterator[None]:
    """In DDP, let local rank 0 run the block first while the other ranks wait at a barrier."""
    import torch.distributed as dist

    initialized = dist.is_available() and dist.is_initialized()
    if initialized and local_rank not in {-1, 0}:
        dist.barrier(device_ids=[local_rank])
    yield
    if initialized and local_rank == 0:
        dist.barrier(device_ids=[local_rank])


def unset_deterministic() -> None:
    """Undo init_seeds(deterministic=True): non-deterministic algorithms allowed again."""
    torch.use_deterministic_algorithms(False)
    torch.backends.cudnn.deterministic = False
    os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
    os.environ.pop("PYTHONHASHSEED", None)


def fuse_deconv_and_bn(deconv: nn.ConvTranspose2d, bn: nn.BatchNorm2d) -> nn.ConvTranspose2d:
    """A ConvTranspose2d with bias equal to deconv followed by bn in eval mode."""
    fused = nn.ConvTranspose2d(
        deconv.in_channels, deconv.out_channels, deconv.kernel_size, deconv.stride, deconv.padding,
        deconv.output_padding, deconv.groups, True, deconv.dilation,
    ).requires_grad_(False).to(deconv.weight.device)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # per output channel (dim 1 of a deconv weight)
    fused.weight.copy_((deconv.weight * scale.view(1, -1, 1, 1)).to(fused.weight.dtype))
    bias = deconv.bias if deconv.bias is not None else torch.zeros_like(bn.running_mean)
    fused.bias.copy_(((bias - bn.running_mean) * scale + bn.bias).to(fused.bias.dtype))
    return fused


def scale_img(img: torch.Tensor, ratio: float = 1.0, same_shape: bool = False, gs: int = 32) -> torch.Tensor:
    """Resize a (B, C, H, W) batch by `ratio`; unless `same_shape`, pad to a multiple of `gs` (grey 0.447)."""
    import torch.nn.functional as F

    if ratio == 1.0:
        return img
    h, w = img.shape[2:]
    s = (int(h * ratio), int(w * ratio))
    img = F.interpolate(img, size=s, mode="bilinear", align_corners=False)
    if not same_shape:
        h, w = (math.ceil(x * ratio / gs) * gs for x in (h, w))
    return F.pad(img, [0, w - s[1], 0, h - s[0]], value=0.447)


def get_cpu_info() -> str:
    """CPU model name, e.g. 'Intel(R) Xeon(R) ...'."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="ignore").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def get_gpu_info(index: int) -> str:
    """'NAME, N MiB' for CUDA device `index`."""
    p = torch.cuda.get_device_properties(index)
    return f"{p.name}, {p.total_memory / (1 << 20):.0f}MiB"


def get_torch_device_backend(device: torch.device | str) -> Any:
    """The torch backend module for a device: torch.cuda, torch.mps, torch.xpu...; None for the CPU."""
    kind = torch.device(device).type if not isinstance(device, torch.device) else device.type
    return None if kind == "cpu" else getattr(torch, kind, None)


@contextlib.contextmanager
def cuda_memory_usage(device: torch.device | str | None = None) -> Iterator[dict]:
    """Yields {'memory': 0}; on CUDA, 'memory' holds the bytes reserved during the block when it ends."""
    usage = {"memory": 0}
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        try:
            yield usage
        finally:
            usage["memory"] = torch.cuda.memory_reserved(device)
    else:
        yield usage


def attempt_compile(
    model: nn.Module, device: torch.device, imgsz: int = 640, use_autocast: bool = False, warmup: bool = False,
    mode: str | bool = "default",
) -> nn.Module:
    """torch.compile(model, mode) (`mode` False or compile failure -> the model unchanged, with a warning);
    `warmup` runs one forward at imgsz to trigger compilation now."""
    if not mode:
        return model
    try:
        compiled = torch.compile(model, mode=None if mode is True else mode)
    except Exception as err:  # compile support varies by platform; the eager model always works
        LOGGER.warning(f"torch.compile failed ({err}); using the eager model.")
        return model
    if warmup:
        x = torch.zeros(1, 3, imgsz, imgsz, device=device)
        with torch.inference_mode(), autocast(use_autocast, str(torch.device(device).type)):
            compiled(x)
    return compiled


def model_info_for_loggers(trainer: Any) -> dict[str, Any]:
    """Parameters, GFLOPs and PyTorch inference speed of a trainer's model, for logger integrations."""
    model = unwrap_model(trainer.model)
    speed = getattr(getattr(trainer, "validator", None), "speed", {}) or {}
    return {
        "model/parameters": get_num_params(model),
        "model/GFLOPs": round(get_flops(model, int(getattr(trainer.args, "imgsz", 640))), 3),
        "model/speed_PyTorch(ms)": round(float(speed.get("inference", 0.0)), 3),
    }


def profile_ops(input: Any, ops: Any, n: int = 10, device: Any = None, max_num_obj: int = 0) -> list[list]:
    """Time each op (a module or callable) on each input: rows of [params, GFLOPs, GPU mem GB, forward ms,
    backward ms, input shape, output shape]; `max_num_obj` is accepted for compatibility."""
    device = select_device(device, verbose=False) if device is not None else torch.device("cpu")
    inputs = input if isinstance(input, list) else [input]
    fns = ops if isinstance(ops, list) else [ops]
    rows = []
    for x in inputs:
        x = x.to(device)
        for m in fns:
            m = m.to(device) if hasattr(m, "to") else m
            params = get_num_params(m) if isinstance(m, nn.Module) else 0
            fwd = bwd = 0.0
            for _ in range(n):
                t0 = time_sync(device)
                y = m(x)
                t1 = time_sync(device)
                if isinstance(y, torch.Tensor) and y.requires_grad:
                    y.sum().backward()
                    bwd += (time_sync(device) - t1) * 1000 / n
                fwd += (t1 - t0) * 1000 / n
            mem = torch.cuda.memory_reserved() / 1e9 if device.type == "cuda" else 0.0
            shape = lambda t: tuple(t.shape) if isinstance(t, torch.Tensor) else "list"  # noqa: E731
            rows.append([params, 0.0, mem, fwd, bwd, shape(x), shape(y)])
            LOGGER.info(f"{params:12} {mem:12.3g} {fwd:14.4g} {bwd:14.4g} {shape(x)!s:>24} {shape(y)!s:>24}")
    return rows


def __getattr__(name: str) -> Any:
    """EarlyStopping and strip_optimizer live with the training code that owns them; re-exported on first use."""
    if name == "EarlyStopping":
        from ultralytics_clone.engine.run_log import EarlyStopping

        return EarlyStopping
    if name == "strip_optimizer":
        from ultralytics_clone.engine.checkpoint import strip_optimizer

        return strip_optimizer
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)
