"""build_dataloader: persistent workers across epochs, reset() for dataset changes, seeded workers, workers=0."""

from __future__ import annotations

import os

import torch
from torch.utils.data import Dataset

from ultralytics_clone.cfg import get_cfg
from ultralytics_clone.data.build import InfiniteDataLoader, build_dataloader
from ultralytics_clone.data.dataset import YOLODataset


class _Probe(Dataset):
    """Items report the process that produced them and the dataset's current `value`."""

    def __init__(self, n: int = 12) -> None:
        self.n, self.value = n, 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        import random

        import numpy as np

        return {"i": i, "pid": os.getpid(), "value": self.value, "np": float(np.random.rand()), "py": random.random()}


def _epoch(loader) -> list[dict]:
    rows = []
    for batch in loader:
        rows += [{k: batch[k][j].item() for k in batch} for j in range(len(batch["i"]))]
    return rows


def test_workers_persist_across_epochs_and_reset_picks_up_changes():
    ds = _Probe()
    loader = build_dataloader(ds, 4, 2, shuffle=True)
    assert isinstance(loader, InfiniteDataLoader) and len(loader) == 3
    try:
        e1, e2 = _epoch(loader), _epoch(loader)
        for rows in (e1, e2):
            assert sorted(r["i"] for r in rows) == list(range(12))  # each epoch sees every item exactly once
        pids1, pids2 = {r["pid"] for r in e1}, {r["pid"] for r in e2}
        assert os.getpid() not in pids1 and len(pids1) == 2 and pids1 == pids2  # same two workers both epochs
        ds.value = 1  # workers hold their own copy: nothing changes until reset()
        assert {r["value"] for r in _epoch(loader)} == {0}
        loader.reset()
        e4 = _epoch(loader)
        assert {r["value"] for r in e4} == {1} and not ({r["pid"] for r in e4} & pids1)
        assert len({round(r["np"], 12) for r in e1}) == 12  # workers do not share one numpy stream
    finally:
        loader.close()


def test_seeded_loaders_repeat_order_and_worker_randomness():
    def run():
        torch.manual_seed(123)
        loader = build_dataloader(_Probe(), 4, 2, shuffle=True)
        try:
            return [(r["i"], r["np"], r["py"]) for r in _epoch(loader)]
        finally:
            loader.close()

    a, b = run(), run()
    assert a == b
    torch.manual_seed(124)
    other = build_dataloader(_Probe(), 4, 2, shuffle=True)
    try:
        assert [(r["i"], r["np"], r["py"]) for r in _epoch(other)] != a
    finally:
        other.close()


def test_yolo_dataset_two_epochs_with_two_workers(shapes_data):
    data = shapes_data["segment"]
    hyp = get_cfg(overrides={"task": "segment", "imgsz": 64})
    ds = YOLODataset(img_path=data["val"], data=data, task="segment", imgsz=64, augment=True, hyp=hyp, batch_size=8)
    loader = build_dataloader(ds, 8, 2, shuffle=True)
    try:
        for _ in range(2):
            n = 0
            for batch in loader:
                n += len(batch["img"])
                assert batch["img"].shape[1:] == (3, 64, 64) and batch["masks"].shape[1:] == (16, 16)
            assert n == 16
        ds.close_mosaic(hyp)
        loader.reset()
        assert sum(len(b["img"]) for b in loader) == 16
    finally:
        loader.close()


def test_workers_zero_and_batch_larger_than_dataset():
    loader = build_dataloader(_Probe(5), 16, 0, shuffle=False)
    rows = _epoch(loader)
    assert len(loader) == 1 and [r["i"] for r in rows] == list(range(5)) and {r["pid"] for r in rows} == {os.getpid()}
    assert not loader.pin_memory or torch.cuda.is_available()
