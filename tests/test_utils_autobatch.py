"""AutoBatch: the choice from measured memory (a fake probe: a model of 100 MB plus 50 MB per image), and the
fixed batch with one warning on CPU."""

from __future__ import annotations

import torch

from ultralytics_clone.utils.autobatch import DEFAULT_BATCH, check_train_batch_size, choose_batch

MB = 2**20
BATCHES = (1, 2, 4, 8, 16)


def _probe(b: int) -> float:
    return 100 * MB + 50 * MB * b


def test_choice_fills_the_fraction_of_the_device():
    total = 10_000 * MB
    used = [_probe(b) for b in BATCHES]
    b60 = choose_batch(BATCHES, used, total=total, free=total, fraction=0.6)
    b70 = choose_batch(BATCHES, used, total=total, free=total, fraction=0.7)
    assert b60 == (6000 - 100) // 50 == 118 and b70 == (7000 - 100) // 50
    assert _probe(b60) <= 0.6 * total < _probe(b60 + 1)


def test_choice_respects_free_memory_and_out_of_memory_sizes():
    total, used = 10_000 * MB, [_probe(b) for b in BATCHES]
    taken = choose_batch(BATCHES, used, total=total, free=2000 * MB, fraction=0.6)  # others hold 8 GB
    assert _probe(taken) <= 2000 * MB + used[0]
    oom = choose_batch(BATCHES, [*used[:3], None, None], total=total, free=total, fraction=0.9)
    assert oom == 7  # below the smallest size that ran out of memory


def test_choice_falls_back_when_nothing_sensible_was_measured(data_log):
    total = 10_000 * MB
    assert choose_batch(BATCHES, [_probe(1), None, None, None, None], total=total, free=total, fraction=0.6) == 16
    assert choose_batch(BATCHES, [5 * MB] * 5, total=total, free=total, fraction=0.6) == 16  # flat: no slope
    assert sum("AutoBatch" in m for m in data_log) == 2


def test_cpu_uses_the_default_batch_with_one_warning(data_log):
    net = torch.nn.Conv2d(3, 4, 3)
    assert check_train_batch_size(net, imgsz=64, batch=-1) == DEFAULT_BATCH
    assert check_train_batch_size(net, imgsz=64, batch=0.7) == DEFAULT_BATCH
    warned = [m for m in data_log if "AutoBatch" in m]
    assert len(warned) == 2 and "needs a CUDA device" in warned[0]
