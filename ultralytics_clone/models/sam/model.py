"""SAM facade: `SAM("mobile_sam.pt").predict(image, bboxes=..., points=..., labels=...)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ultralytics_clone.engine.model import Model
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import CheckpointError

from .build import SAM_MODEL_MAP


class SAM(Model):
    """Segment Anything (ViT-B/L/H or MobileSAM checkpoints). Loading reads tensors only, never pickled code."""

    def __init__(self, model: str | Path = "sam_b.pt") -> None:
        name = str(model)
        if Path(name).suffix.lower() not in {".pt", ".pth"}:
            raise CheckpointError(
                f"SAM needs a .pt or .pth checkpoint whose name ends with one of {', '.join(SAM_MODEL_MAP)}; "
                f"got '{model}'."
            )
        self.is_sam2 = self.is_sam3 = False
        super().__init__(model=name, task="segment")

    def _load(self, weights: str, task: str | None = None) -> None:
        """Build the architecture the file name selects and copy its state_dict in (resolved like YOLO weights)."""
        from ultralytics_clone.engine import checkpoint as ckpt_io

        from .build import build_sam

        path = Path(weights) if Path(weights).is_file() else ckpt_io.resolve_weights(weights)
        self.model = build_sam(path)
        self.ckpt_path, self.task, self.model_name = str(path), "segment", weights
        self.overrides = {"model": str(path), "task": "segment", "imgsz": self.model.imgsz}

    def predict(self, source: Any = None, stream: bool = False, bboxes=None, points=None, labels=None, **kwargs: Any):
        """Masks for the prompts on `source`; prompts are in the source image's pixels."""
        masks = kwargs.pop("masks", None)
        kwargs = {"conf": 0.25, "save": False, "task": "segment", "mode": "predict", "imgsz": self.model.imgsz, **kwargs}
        predictor = self.predictor
        if predictor is None:
            from .predict import Predictor

            predictor = self.predictor = Predictor(overrides={**self.overrides, **kwargs}, _callbacks=self.callbacks)
            predictor.setup_model(self.model, verbose=False)
        else:
            from ultralytics_clone.cfg import get_cfg

            predictor.args = get_cfg(predictor.args, kwargs)
        predictor.set_prompts({"bboxes": bboxes, "points": points, "labels": labels, "masks": masks})
        predictor.reset_image()
        return predictor(source=source, stream=stream)

    def __call__(self, source: Any = None, stream: bool = False, bboxes=None, points=None, labels=None, **kwargs: Any):
        """Same as predict()."""
        return self.predict(source, stream, bboxes, points, labels, **kwargs)

    def info(self, detailed: bool = False, verbose: bool = True) -> tuple[int, int]:
        """(layers, parameters) of the network, logged when verbose."""
        n_p = sum(p.numel() for p in self.model.parameters())
        n_l = len(list(self.model.modules()))
        if verbose:
            LOGGER.info(f"SAM ({type(self.model.image_encoder).__name__}): {n_l} layers, {n_p:,} parameters")
        return n_l, n_p

    @property
    def task_map(self) -> dict[str, dict[str, Any]]:
        """Only prediction: SAM is not trained or validated here."""
        from .predict import Predictor

        return {"segment": {"predictor": Predictor}}
