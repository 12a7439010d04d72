"""DDP: one training process per device, the trainer shipped to each by value; process-group setup and teardown.

`device=0,1` or `[0, 1]` trains on two GPUs (NCCL); `device=cpu,cpu` (or `['cpu', 'cpu']`) runs two CPU processes
(gloo), which is how DDP is tested on machines without GPUs. The parent process only launches: it checks the data
set and makes the run folder once, then pickles the trainer with cloudpickle, so trainer subclasses, overrides and
callbacks defined in `__main__`, a notebook or a test module reach every rank as they are (no script file is
written). Each rank reads the trainer from its stdin and calls `train()`. Under `torchrun` (RANK / WORLD_SIZE set
by it) the ranks already exist and train directly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Any

import torch
from torch import nn

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import CloneError, ConfigError


class DDPError(CloneError, RuntimeError):
    """A DDP rank failed."""


def ddp_devices(device: Any) -> list[str]:
    """The devices of a multi-process run ('0,1' -> ['0', '1'], 'cpu,cpu' -> ['cpu', 'cpu']); [] for one device."""
    if isinstance(device, (list, tuple)):
        parts = [str(d).strip() for d in device]
    else:
        parts = [p.strip() for p in str(device if device is not None else "").split(",") if p.strip()]
    parts = [p.replace("cuda:", "") for p in parts]
    if len(parts) < 2:
        return []
    kinds = {p == "cpu" for p in parts}
    if len(kinds) > 1 or not all(p == "cpu" or p.isdigit() for p in parts):
        raise ConfigError(f"device={device}: a multi-process run takes CUDA indices such as '0,1' or [0, 1], or "
                          "'cpu,cpu' for CPU processes (gloo); mixed or unknown entries are not accepted.")  # fmt: skip
    return parts


def in_ddp() -> bool:
    """True inside a DDP rank (launched here or by torchrun)."""
    return int(os.environ.get("WORLD_SIZE", 1)) > 1 and "RANK" in os.environ


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", 1)) if in_ddp() else 1


def rank_or_minus_one() -> int:
    return int(os.environ["RANK"]) if in_ddp() else -1


def init_process_group(devices: list[str]) -> torch.device:
    """Join the group (NCCL on CUDA, gloo on CPU) and return this rank's device."""
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", os.environ["RANK"]))
    cpu = (devices and devices[0] == "cpu") or not torch.cuda.is_available()
    if cpu:
        device = torch.device("cpu")
    else:
        device = torch.device("cuda", int(devices[local]) if devices else local)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("gloo" if cpu else "nccl", world_size=world_size(), rank=int(os.environ["RANK"]))
    return device


def destroy_process_group() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def wrap_model(model: nn.Module, device: torch.device) -> nn.Module:
    """DistributedDataParallel over the bare model, remembering which parameters it found trainable."""
    from torch.nn.parallel import DistributedDataParallel

    from ultralytics_clone.utils.torch_utils import unwrap_model

    bare = unwrap_model(model)
    ddp = DistributedDataParallel(bare, device_ids=[device.index] if device.type == "cuda" else None,
                                  find_unused_parameters=True)  # fmt: skip
    ddp._trainable = tuple(p.requires_grad for p in bare.parameters())
    return ddp


def rewrap_if_unfrozen(model: nn.Module, device: torch.device) -> nn.Module:
    """DDP reduces only the parameters trainable when it was built: rebuild it after a callback (un)froze layers."""
    if getattr(model, "_trainable", None) not in {None, tuple(p.requires_grad for p in model.parameters())}:
        return wrap_model(model, device)
    return model


def all_ranks_agree(flag: bool) -> bool:
    """True when `flag` is true on any rank (one small all-reduce); `flag` itself outside DDP."""
    if not in_ddp():
        return flag
    import torch.distributed as dist

    t = torch.tensor([float(flag)], device="cuda" if dist.get_backend() == "nccl" else "cpu")
    dist.all_reduce(t)
    return bool(t.item() > 0)


def broadcast(obj: Any) -> Any:
    """Rank 0's `obj` on every rank (the stop decision, the re-planned epoch count)."""
    if not in_ddp():
        return obj
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ship_by_value(trainer: Any) -> None:
    """Pickle user code (the trainer class, model class and callbacks from outside installed packages) by value."""
    import cloudpickle

    objs = [type(trainer), type(trainer.model)] + [f for fs in trainer.callbacks.values() for f in fs]
    for obj in objs:
        module = sys.modules.get(getattr(obj, "__module__", None) or "")
        file = getattr(module, "__file__", None) or ""  # builtins and extension-less modules have none
        if not file or module.__name__ == "__main__" or module.__name__.startswith(("ultralytics_clone", "torch")):
            continue  # __main__ is pickled by value anyway; the rest is importable on every rank
        if "site-packages" in file or "dist-packages" in file or file.startswith(sys.base_prefix):
            continue
        cloudpickle.register_pickle_by_value(module)


def spawn(trainer: Any) -> None:
    """Check the data, make the run folder, then run `trainer` in one process per device and wait for all of them."""
    import cloudpickle

    devices = trainer.ddp_devices
    if not (devices[0] == "cpu" or torch.cuda.is_available()):
        from ultralytics_clone.utils.errors import DeviceError

        raise DeviceError(f"device={trainer.args.device} asks for CUDA DDP, but CUDA is not available; use "
                          "device=cpu,cpu for CPU processes.")  # fmt: skip
    trainer._setup_run()  # once, here: downloads, folder numbering and args.yaml are not raced by the ranks
    trainer.resume_ckpt, trainer.data = None, {}
    _ship_by_value(trainer)
    payload = cloudpickle.dumps(trainer)
    n, port = len(devices), _free_port()
    LOGGER.info(f"DDP: {n} processes on {'CPU (gloo)' if devices[0] == 'cpu' else 'CUDA ' + ','.join(devices) + ' (NCCL)'}"
                f", run folder {trainer.save_dir}")  # fmt: skip
    procs = []
    for r in range(n):
        # each rank can import what the launcher can (a test folder, a notebook's working directory)
        env = {**os.environ, "RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": str(n),
               "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
               "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # fmt: skip
        p = subprocess.Popen([sys.executable, "-m", "ultralytics_clone.engine.launch"], stdin=subprocess.PIPE, env=env)
        p.stdin.write(payload)
        p.stdin.close()
        procs.append(p)
    try:
        codes = [p.wait() for p in procs]
    finally:  # Ctrl-C or an error here: no rank outlives the launcher
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
    if any(codes):
        bad = next(r for r, c in enumerate(codes) if c)
        raise DDPError(f"DDP rank {bad} of {n} exited with code {codes[bad]} (its traceback is printed above); "
                       f"run folder {trainer.save_dir}.")  # fmt: skip


def _rank_main() -> None:
    """Entry of a rank process: the pickled trainer arrives on stdin."""
    import logging

    import cloudpickle

    if int(os.environ.get("RANK", 0)) > 0:
        LOGGER.setLevel(logging.WARNING)  # rank 0 alone logs progress
    trainer = cloudpickle.loads(sys.stdin.buffer.read())
    trainer.train()


if __name__ == "__main__":
    _rank_main()


__all__ = ["ddp_devices", "in_ddp", "world_size", "spawn", "init_process_group", "destroy_process_group", "DDPError"]
