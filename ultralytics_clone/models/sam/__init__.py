"""Segment Anything: `SAM` facade and its `Predictor` (MobileSAM and the official ViT checkpoints)."""

from .model import SAM
from .predict import Predictor

__all__ = ["SAM", "Predictor"]
