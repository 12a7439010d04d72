"""Dataset and dataloader construction: build_yolo_dataset, build_dataloader (seeded, workers kept for the run)."""

from __future__ import annotations

import os
import random
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from ultralytics_clone.utils import LOGGER, RANK, colorstr

PIN_MEMORY = os.getenv("PIN_MEMORY", "true").lower() in {"1", "true", "yes"}


class _RepeatSampler:
    """Endless repetition of a (batch) sampler. Pass `epoch`'s order depends only on the seed and `epoch`
    (`set_epoch` of a DistributedSampler, a reseeded generator otherwise), so a resumed run sets `epoch` and
    sees the same order as an uninterrupted one."""

    def __init__(self, sampler: Any) -> None:
        self.sampler = sampler
        self.epoch = 0
        inner = getattr(sampler, "sampler", None)
        gen = getattr(inner, "generator", None)
        self.seed = int(gen.initial_seed()) if gen is not None else None

    def __iter__(self):
        while True:
            inner = getattr(self.sampler, "sampler", None)
            if hasattr(inner, "set_epoch"):
                inner.set_epoch(self.epoch)
            elif self.seed is not None:
                inner.generator.manual_seed((self.seed + self.epoch) % 2**63)
            self.epoch += 1  # counted at the start, so a reset iterator goes on with the next pass
            yield from iter(self.sampler)

    def __len__(self) -> int:
        return len(self.sampler)


class InfiniteDataLoader(DataLoader):
    """DataLoader that keeps one iterator (and its worker processes) alive across epochs; each `iter()` is one epoch.

    `reset()` restarts the workers so they see a changed dataset (e.g. after close_mosaic); `close()` stops them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["persistent_workers"] = False  # this class keeps its own iterator alive instead
        super().__init__(*args, **kwargs)
        object.__setattr__(self, "batch_sampler", _RepeatSampler(self.batch_sampler))
        self.iterator = None

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self.batch_sampler.sampler)

    def __iter__(self):
        """Yield one epoch of batches from the long-lived iterator."""
        if self.iterator is None:
            self.iterator = super().__iter__()
        for _ in range(len(self)):
            yield next(self.iterator)

    def reset(self) -> None:
        """Start fresh workers (forked from the dataset as it is now) on the next epoch."""
        self.close()

    def close(self) -> None:
        """Shut the worker processes down; the next iteration starts new ones."""
        it, self.iterator = self.iterator, None
        if it is not None and hasattr(it, "_shutdown_workers"):
            it._shutdown_workers()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing left to clean
            pass


def seed_worker(worker_id: int) -> None:
    """Seed numpy and random in a worker from torch's per-worker seed (itself derived from the loader's generator)."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def build_dataloader(
    dataset: Dataset, batch: int, workers: int, shuffle: bool = True, rank: int = -1, drop_last: bool = False,
    pin_memory: bool = True, device: str | torch.device = "cuda",
) -> InfiniteDataLoader:  # fmt: skip
    """Loader with seeded shuffling and workers, DistributedSampler when rank != -1; memory is pinned only when
    `device` is a CUDA device and CUDA is present."""
    batch = max(1, min(int(batch), len(dataset)))
    nd = torch.cuda.device_count()
    nw = max(0, min((os.cpu_count() or 1) // max(nd, 1), int(workers)))
    sampler = None if rank == -1 else DistributedSampler(dataset, shuffle=shuffle)
    generator = torch.Generator()
    generator.manual_seed((torch.initial_seed() + 6148914691236517205 + max(RANK, 0)) % 2**63)
    return InfiniteDataLoader(
        dataset=dataset, batch_size=batch, shuffle=shuffle and sampler is None, num_workers=nw, sampler=sampler,
        prefetch_factor=4 if nw > 0 else None,
        pin_memory=PIN_MEMORY and pin_memory and nd > 0 and torch.device(device).type == "cuda",
        collate_fn=getattr(dataset, "collate_fn", None), worker_init_fn=seed_worker, generator=generator,
        drop_last=drop_last,
    )  # fmt: skip


def build_yolo_dataset(
    cfg: Any, img_path: str | list, batch: int, data: dict, mode: str = "train", rect: bool = False, stride: int = 32,
    multi_modal: bool = False, fraction: float | None = None,
):  # fmt: skip
    """YOLODataset from the run's Args: augmentation only in 'train' mode, rect/fraction per Ultralytics' rules
    (`fraction`, when given, overrides the Args' share of training images)."""
    from ultralytics_clone.data.dataset import YOLODataset

    if multi_modal:
        LOGGER.warning("multi_modal datasets are not supported; building a plain YOLODataset")
    train = mode == "train"
    return YOLODataset(
        img_path=img_path, imgsz=cfg.imgsz, batch_size=batch, augment=train, hyp=cfg, rect=cfg.rect or rect,
        cache=cfg.get("cache") or None, single_cls=cfg.get("single_cls") or False, stride=int(stride),
        pad=0.0 if train else 0.5, prefix=colorstr(f"{mode}: "), task=cfg.get("task") or "detect",
        classes=cfg.get("classes"), data=data,
        fraction=(cfg.get("fraction", 1.0) if fraction is None else fraction) if train else 1.0,
    )  # fmt: skip


class ContiguousDistributedSampler(torch.utils.data.Sampler):
    """DDP sampler giving each rank one contiguous block of indices (padded to equal length), so rect batches keep
    images of similar shape together; shuffles the block order per epoch when `shuffle`."""

    def __init__(self, dataset: Dataset, num_replicas: int | None = None, batch_size: int | None = None,
                 rank: int | None = None, shuffle: bool = False) -> None:  # fmt: skip
        import torch.distributed as dist

        ddp = dist.is_available() and dist.is_initialized()
        self.num_replicas = num_replicas if num_replicas is not None else (dist.get_world_size() if ddp else 1)
        self.rank = rank if rank is not None else (dist.get_rank() if ddp else 0)
        self.dataset, self.shuffle, self.epoch = dataset, shuffle, 0
        self.batch_size = batch_size or getattr(dataset, "batch_size", 1)
        self.num_samples = -(-len(dataset) // self.num_replicas)  # ceil
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        n = len(self.dataset)
        indices = list(range(n)) + list(range(self.total_size - n))  # pad by wrapping
        start = self.rank * self.num_samples
        block = indices[start : start + self.num_samples]
        if self.shuffle:  # shuffle whole batches, keeping each batch's images together
            g = torch.Generator().manual_seed(self.epoch)
            batches = [block[i : i + self.batch_size] for i in range(0, len(block), self.batch_size)]
            block = [i for b in torch.randperm(len(batches), generator=g).tolist() for i in batches[b]]
        return iter(block)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle differently in the next epoch."""
        self.epoch = epoch


def build_classification_dataloader(
    path: str, imgsz: int = 224, batch_size: int = 16, augment: bool = True, cache: bool | str = False,
    rank: int = -1, workers: int = 8, shuffle: bool = True,
) -> InfiniteDataLoader:  # fmt: skip
    """ClassificationDataset over `path` plus its loader (default collate: img (B, 3, H, W) float, cls (B,))."""
    from ultralytics_clone.cfg import DEFAULT_CFG
    from ultralytics_clone.data.dataset import ClassificationDataset

    args = DEFAULT_CFG.copy()
    args.imgsz, args.cache = imgsz, cache
    dataset = ClassificationDataset(root=path, args=args, augment=augment)
    return build_dataloader(dataset, batch_size, workers, shuffle=shuffle, rank=rank)


def __getattr__(name: str):
    """`load_inference_source` and `check_source` live in data/loaders.py; forwarded here at Ultralytics' path."""
    if name in {"load_inference_source", "check_source"}:
        from ultralytics_clone.data import loaders

        return getattr(loaders, name)
    from ultralytics_clone.out_of_scope import module_getattr

    return module_getattr(__name__)(name)


__all__ = [
    "InfiniteDataLoader", "seed_worker", "build_dataloader", "build_yolo_dataset", "build_classification_dataloader",
    "ContiguousDistributedSampler",
]  # fmt: skip
