"""Every building block a model YAML can name, re-exported flat (`from ultralytics_clone.nn.modules import Conv`)."""

from ultralytics_clone.nn.modules.attention import C2PSA, Attention, PSABlock
from ultralytics_clone.nn.modules.block import C3, DFL, SPPF, Bottleneck, C2f, C3k, C3k2, Proto, Proto26
from ultralytics_clone.nn.modules.classic import (
    C1,
    C2,
    C3TR,
    CBAM,
    SPP,
    BottleneckCSP,
    C2fPSA,
    C3Ghost,
    C3x,
    ChannelAttention,
    Conv2,
    ConvTranspose,
    DWConvTranspose2d,
    Focus,
    GhostBottleneck,
    GhostConv,
    Index,
    LightConv,
    RepConv,
    SpatialAttention,
    TransformerBlock,
    TransformerLayer,
)
from ultralytics_clone.nn.modules.conv import Concat, Conv, DWConv, autopad
from ultralytics_clone.nn.modules.flow import RealNVP
from ultralytics_clone.nn.modules.head import Classify, Detect
from ultralytics_clone.nn.modules.task_heads import OBB, OBB26, Pose, Pose26, Segment, Segment26

__all__ = [
    "Attention", "PSABlock", "C2PSA", "Bottleneck", "C2f", "C3", "C3k", "C3k2", "SPPF", "DFL", "Proto", "Proto26",
    "Conv", "DWConv", "Concat", "autopad", "RealNVP", "Detect", "Classify", "Segment", "Pose", "OBB", "Segment26",
    "Pose26", "OBB26",
    "Conv2", "ConvTranspose", "DWConvTranspose2d", "LightConv", "GhostConv", "GhostBottleneck", "RepConv", "Focus",
    "SPP", "ChannelAttention", "SpatialAttention", "CBAM", "C1", "C2", "C3x", "C3Ghost", "C3TR", "BottleneckCSP",
    "TransformerLayer", "TransformerBlock", "C2fPSA", "Index",
]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference blocks left out: clear error)

__getattr__ = module_getattr(__name__)
