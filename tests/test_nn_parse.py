"""Model YAML parsing: user-registered modules, scale/nc/kpt_shape/ch overrides, errors that name the YAML line."""

from __future__ import annotations

import textwrap

import pytest
import torch
from torch import nn

from ultralytics_clone.nn import register_module
from ultralytics_clone.nn.modules import Conv
from ultralytics_clone.nn.registry import get_module
from ultralytics_clone.nn.tasks import (
    ClassificationModel,
    DetectionModel,
    PoseModel,
    guess_model_scale,
    guess_model_task,
    yaml_model_load,
)
from ultralytics_clone.utils.errors import ModelConfigError

pytestmark = pytest.mark.usefixtures("torch_single_thread")

TINY = """\
nc: 2
backbone:
  - [-1, 1, Conv, [16, 3, 2]] # 0-P1/2
  - [-1, 1, Conv, [32, 3, 2]] # 1-P2/4
  - [-1, 1, {block}, [32]] # 2
  - [-1, 1, Conv, [64, 3, 2]] # 3-P3/8
  - [-1, 1, Conv, [64, 3, 2]] # 4-P4/16
  - [-1, 1, Conv, [64, 3, 2]] # 5-P5/32
head:
  - [{frm}, 1, Detect, [nc]]
"""


def write(tmp_path, text: str, name: str = "tiny.yaml"):
    f = tmp_path / name
    f.write_text(textwrap.dedent(text))
    return f


@register_module
class GatedConvT(nn.Module):
    """Test block: a Conv gated by a sigmoid 1x1 Conv."""

    def __init__(self, c1: int, c2: int, k: int = 3):
        super().__init__()
        self.conv, self.gate = Conv(c1, c2, k), Conv(c1, c2, 1, act=False)

    def forward(self, x):
        return self.conv(x) * self.gate(x).sigmoid()


def test_user_module_usable_by_name(tmp_path):
    f = write(tmp_path, TINY.format(block="GatedConvT", frm="[3, 4, 5]"))
    model = DetectionModel(f, verbose=False)
    assert isinstance(model.model[2], GatedConvT)
    assert model.model[2].conv.conv.in_channels == 32 and model.model[2].conv.conv.out_channels == 32
    assert model.stride.tolist() == [8.0, 16.0, 32.0]
    model.eval()
    y, _ = model(torch.rand(1, 3, 64, 64))
    assert y.shape == (1, 4 + 2, 8 * 8 + 4 * 4 + 2 * 2)


def test_register_module_rejects_duplicates_and_non_modules():
    def other_class():
        class GatedConvT(nn.Module):  # same name, different class
            pass

        return GatedConvT

    with pytest.raises(ValueError, match="already registered"):
        register_module(other_class())
    assert register_module(GatedConvT) is GatedConvT  # same class again is fine
    with pytest.raises(ValueError, match="nn.Module subclass"):
        register_module(int)
    with pytest.raises(ValueError, match="unknown kind"):
        register_module(type("OddKind", (nn.Module,), {}), kind="weird")
    assert get_module("Conv").cls is Conv and get_module("nn.Upsample").cls is nn.Upsample


def test_unknown_module_names_file_and_line(tmp_path):
    f = write(tmp_path, TINY.format(block="NoSuchBlock", frm="[3, 4, 5]"))
    with pytest.raises(ModelConfigError, match=r"tiny\.yaml line 5 \(layer 2.*unknown module 'NoSuchBlock'"):
        DetectionModel(f, verbose=False)


def test_module_names_are_not_evaluated(tmp_path):
    f = write(tmp_path, TINY.format(block="__import__('os').getcwd", frm="[3, 4, 5]"))
    with pytest.raises(ModelConfigError, match="unknown module"):
        DetectionModel(f, verbose=False)


def test_bad_from_index_names_line(tmp_path):
    f = write(tmp_path, TINY.format(block="Conv", frm="[3, 4, 9]"))
    with pytest.raises(ModelConfigError, match=r"tiny\.yaml line 10 \(layer 6.*'from' index 9"):
        DetectionModel(f, verbose=False)
    f = write(tmp_path, TINY.format(block="Conv", frm="[-9, 4, 5]"))
    with pytest.raises(ModelConfigError, match=r"line 10 .*'from' index -9"):
        DetectionModel(f, verbose=False)


def test_wrong_argument_count_names_line(tmp_path):
    text = TINY.format(block="Conv", frm="[3, 4, 5]").replace("[32]] # 2", "[32, 3, 1, None, 1, 1, True, 7, 8]] # 2")
    f = write(tmp_path, text)
    with pytest.raises(ModelConfigError, match=r"tiny\.yaml line 5 .*Conv cannot take arguments"):
        DetectionModel(f, verbose=False)


def test_malformed_entry_and_missing_nc(tmp_path):
    text = TINY.format(block="Conv", frm="[3, 4, 5]").replace("[-1, 1, Conv, [64, 3, 2]] # 3", "[-1, Conv] # 3")
    f = write(tmp_path, text)
    with pytest.raises(ModelConfigError, match=r"line 6 .*expected \[from, repeats, module, args\]"):
        DetectionModel(f, verbose=False)
    f = write(tmp_path, TINY.format(block="Conv", frm="[3, 4, 5]").replace("nc: 2\n", ""), "nonc.yaml")
    with pytest.raises(ModelConfigError, match="nc"):
        DetectionModel(f, verbose=False)
    with pytest.raises(ModelConfigError, match="not found"):
        yaml_model_load("yolo99q-nothing.yaml")


def test_scale_from_file_name_and_overrides():
    d = yaml_model_load("yolo11s-seg.yaml")
    assert d["scale"] == "s" and d["yaml_file"] == "yolo11s-seg.yaml" and d["head"][-1][2] == "Segment"
    assert guess_model_scale("path/yolov8x-pose.pt") == "x" and guess_model_scale("custom.yaml") == ""
    with torch.device("meta"):
        m = DetectionModel("yolo11n.yaml", ch=1, nc=7, verbose=False)
        p = PoseModel("yolo11n-pose.yaml", nc=1, data_kpt_shape=(5, 2), verbose=False)
        c = ClassificationModel("yolov8s-cls.yaml", nc=10, verbose=False)
    assert m.model[0].conv.in_channels == 1 and m.yaml["channels"] == 1
    assert m.model[-1].nc == 7 and len(m.names) == 7
    assert p.kpt_shape == [5, 2] and p.model[-1].cv4[0][-1].out_channels == 10
    assert c.model[-1].linear.out_features == 10 and c.model[0].conv.out_channels == 32


def test_guess_model_task_sources():
    assert guess_model_task(yaml_model_load("yolo26n-obb.yaml")) == "obb"
    assert guess_model_task("weights/yolo11n-seg.pt") == "segment"
    assert guess_model_task("yolo11n-cls.yaml") == "classify"
    with torch.device("meta"):
        assert guess_model_task(PoseModel("yolo11n-pose.yaml", verbose=False)) == "pose"
    assert guess_model_task({"head": [[[1, 2], 1, "Detect", ["nc"]]]}) == "detect"


def test_yaml_activation_applies_to_that_model_only(tmp_path):
    f = write(tmp_path, "activation: nn.ReLU()\n" + TINY.format(block="Conv", frm="[3, 4, 5]"))
    relu = DetectionModel(f, verbose=False)
    assert isinstance(relu.model[0].act, nn.ReLU)
    plain = DetectionModel(write(tmp_path, TINY.format(block="Conv", frm="[3, 4, 5]"), "plain.yaml"), verbose=False)
    assert isinstance(plain.model[0].act, nn.SiLU)
    bad = write(tmp_path, "activation: os.system('x')\n" + TINY.format(block="Conv", frm="[3, 4, 5]"), "bad.yaml")
    with pytest.raises(ModelConfigError, match="activation"):
        DetectionModel(bad, verbose=False)


def test_ultralytics_module_paths_import():
    from ultralytics_clone.nn.modules.block import C2PSA, DFL, SPPF, C3k2  # noqa: F401
    from ultralytics_clone.nn.modules.conv import Concat, Conv, DWConv  # noqa: F401
    from ultralytics_clone.nn.modules.head import OBB, Classify, Detect, Pose, Segment  # noqa: F401

    assert issubclass(Segment, Detect) and issubclass(C3k2, torch.nn.Module)


def test_registry_docstring_example_runs(tmp_path):
    """The usage example in nn/registry.py works as written (run twice: a re-run class statement may re-register)."""
    import re as _re

    from ultralytics_clone.nn import registry

    block = _re.search(r"::\n\n(.*?)\n\n    #", registry.__doc__, _re.S).group(1)
    code = "\n".join(line[4:] for line in block.splitlines())
    for _ in range(2):
        ns: dict = {}
        exec(code, ns)  # noqa: S102 - our own docstring
    f = write(tmp_path, TINY.format(block="GatedConv", frm="[3, 4, 5]"))
    model = DetectionModel(f, verbose=False)
    assert type(model.model[2]).__name__ == "GatedConv" and model.model[2] is not None
