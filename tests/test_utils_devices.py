"""select_device for CPU and every error path (CUDA/MPS absent, bad index, batch vs GPU count); init_seeds."""

from __future__ import annotations

import pytest
import torch

from ultralytics_clone.utils.devices import select_device
from ultralytics_clone.utils.errors import DeviceError
from ultralytics_clone.utils.torch_utils import init_seeds


@pytest.mark.parametrize("spec", [None, "", "cpu", "CPU", torch.device("cpu")])
def test_cpu_and_auto(spec):
    assert select_device(spec, verbose=False).type == "cpu"  # no GPU on the test machines


@pytest.mark.parametrize("spec", [0, "0", "0,1", [0, 1], "cuda:1", "cuda:0", -1])
def test_cuda_requested_without_cuda(spec, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError) as err:
        select_device(spec, verbose=False)
    assert "CUDA" in str(err.value) and "device=cpu" in str(err.value)


def test_mps_requested_without_mps(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="MPS"):
        select_device("mps", verbose=False)


@pytest.mark.parametrize("spec", ["gpu", "0,x", "banana"])
def test_invalid_spec(spec):
    with pytest.raises(DeviceError, match="not a valid device"):
        select_device(spec, verbose=False)


@pytest.fixture
def two_gpus(monkeypatch):
    """Pretend this machine has two CUDA devices (creating a torch.device needs no GPU)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)


def test_index_out_of_range(two_gpus):
    with pytest.raises(DeviceError, match="index 2 is out of range.*2 GPU"):
        select_device("2", verbose=False)
    assert select_device("cuda:1", verbose=False) == torch.device("cuda:1")


def test_batch_must_divide_by_gpu_count(two_gpus):
    with pytest.raises(DeviceError, match="batch=15.*multiple of the GPU count 2"):
        select_device([0, 1], batch=15, verbose=False)
    assert select_device("0,1", batch=16, verbose=False) == torch.device("cuda:0")


def test_idle_gpu(two_gpus, monkeypatch):
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda i: ((10, 100), (90, 100))[i])
    assert select_device(-1, verbose=False) == torch.device("cuda:1")


def test_init_seeds_reproducible():
    init_seeds(3)
    a = torch.rand(3), __import__("numpy").random.rand(), __import__("random").random()
    init_seeds(3, deterministic=True)
    b = torch.rand(3), __import__("numpy").random.rand(), __import__("random").random()
    assert torch.equal(a[0], b[0]) and a[1:] == b[1:]
    assert torch.are_deterministic_algorithms_enabled()
    init_seeds(0, deterministic=False)
    assert not torch.are_deterministic_algorithms_enabled()
