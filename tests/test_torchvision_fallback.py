"""The package imports and runs when torchvision is broken or missing: one warning with the fix, our own NMS."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

BLOCKER = """
import importlib.abc, sys
class _Broken(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torchvision" or name.startswith("torchvision."):
            {action}
        return None
sys.meta_path.insert(0, _Broken())
"""
ACTIONS = {
    "missing": "raise ModuleNotFoundError(\"No module named 'torchvision'\")",
    "broken": "raise RuntimeError('operator torchvision::nms does not exist')",
}

SCRIPT = """
import logging, io
import torch
from ultralytics_clone.utils import LOGGER
stream = io.StringIO(); LOGGER.addHandler(logging.StreamHandler(stream))
from ultralytics_clone.utils.nms import non_max_suppression
from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.data import build_yolo_dataset
from ultralytics_clone.data.checks import check_det_dataset
from ultralytics_clone.cfg import get_cfg
model = DetectionModel("yolo11n.yaml", nc=3, verbose=False).eval()
with torch.no_grad():
    pred = model(torch.rand(2, 3, 64, 64))[0]
out1 = non_max_suppression(pred.clone(), conf_thres=0.0, iou_thres=0.5)
out2 = non_max_suppression(pred.clone(), conf_thres=0.0, iou_thres=0.5)
assert len(out1) == 2 and out1[0].shape[1] == 6 and torch.equal(out1[0], out2[0])
data = check_det_dataset("shapes-det.yaml")
ds = build_yolo_dataset(get_cfg(overrides={"imgsz": 64}), data["train"], 4, data, mode="train")
sample = ds[0]
assert sample["img"].shape[0] == 3
warnings = [l for l in stream.getvalue().splitlines() if "torchvision" in l]
assert len(warnings) == 1, warnings
assert "pip install" in warnings[0], warnings[0]
print("OK")
"""


@pytest.mark.parametrize("state", ["missing", "broken"])
def test_runs_without_working_torchvision(state, session_dir):
    code = textwrap.dedent(BLOCKER.format(action=ACTIONS[state])) + SCRIPT
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr[-3000:]
