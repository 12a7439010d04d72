"""Every config (75) in the facts SUMMARY.tsv: our state_dict, parameters, layers and strides equal Ultralytics'."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ultralytics_clone.nn.tasks import TASK_MODELS

pytestmark = pytest.mark.usefixtures("torch_single_thread")

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not (SHARED / "fixtures").is_dir():  # a checkout with shared/ inside it (as in conftest.py)
    SHARED = Path(__file__).resolve().parents[1] / "shared"
FACTS = SHARED / "facts" / "models"
ROWS = [line.split("\t") for line in (FACTS / "SUMMARY.tsv").read_text().splitlines()[1:] if line.strip()]


def read_facts(file: str) -> tuple[dict, list, list]:
    """(header dict, layers [(i, from, n, type)], state_dict [(key, shape, dtype)]) of one fact file."""
    header, layers, tensors, section = {}, [], [], None
    for line in (FACTS / file).read_text().splitlines():
        if line.startswith("# layers"):
            section = "layers"
        elif line.startswith("# state_dict"):
            section = "tensors"
        elif line.startswith("# "):
            key, _, value = line[2:].partition(": ")
            header[key] = value
        elif section == "layers":
            parts = line.split()
            layers.append((int(parts[0]), " ".join(parts[1:-2]), int(parts[-2]), parts[-1]))
        elif section == "tensors":
            key, shape, dtype = line.split()
            tensors.append((key, () if shape == "scalar" else tuple(int(s) for s in shape.split("x")), dtype))
    return header, layers, tensors


def build(cfg: str, task: str, nc: int, device: str) -> torch.nn.Module:
    with torch.device(device):
        return TASK_MODELS[task](cfg, nc=nc, verbose=False)


def test_summary_lists_every_config():
    assert len(ROWS) == 75  # 3 families x 5 tasks x 5 scales


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_layout_matches_facts(row):
    cfg, task, params, _, _, strides, n_tensors, n_layers, file = row
    header, layers, tensors = read_facts(file)
    model = build(cfg, task, int(header["nc"]), "meta")  # shapes only; strides still come from a (meta) dry run
    ours = [(k, tuple(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in model.state_dict().items()]
    assert len(ours) == int(n_tensors)
    assert ours == tensors  # names, order, shapes, dtypes
    assert sum(p.numel() for p in model.parameters()) == int(params)
    ours_layers = [(m.i, str(m.f), getattr(m, "n", 1), type(m).__name__) for m in model.model]
    assert len(ours_layers) == int(n_layers)
    assert ours_layers == layers
    assert ",".join(str(int(s)) for s in model.stride.tolist()) == strides


N_ROWS = [r for r in ROWS if r[0][len("yolov8") if r[0].startswith("yolov8") else len("yolo11"):][0] == "n"]


@pytest.mark.parametrize("row", N_ROWS, ids=[r[0] for r in N_ROWS])
def test_strides_real_forward_n_scale(row):
    """Strides from a real CPU dry run (not meta) for the n scale of every family and task."""
    cfg, task, params, _, _, strides, *_ = row
    header, _, _ = read_facts(row[-1])
    model = build(cfg, task, int(header["nc"]), "cpu")
    assert ",".join(str(int(s)) for s in model.stride.tolist()) == strides
    assert sum(p.numel() for p in model.parameters()) == int(params)
    head = model.model[-1]
    if hasattr(head, "stride") and task != "classify":
        assert head.stride.tolist() == [8.0, 16.0, 32.0]


def test_n_rows_cover_every_family_and_task():
    assert len(N_ROWS) == 15
