"""BasePredictor: source -> LetterBox preprocess -> AutoBackend -> task postprocess -> Results, as a list or a generator.

Saving: annotated images (and videos, at the source's fps and size) under runs/<task>/predict*, labels/*.txt with
save_txt, crops/<class>/ with save_crop, frames/ with save_frames.
"""

from __future__ import annotations

import platform
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ultralytics_clone.data.utils import IMG_FORMATS, bgr_to_unit_rgb, hwc_to_chw
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.callbacks import CallbackMixin
from ultralytics_clone.utils.ops import Profile

STREAM_WARNING = (
    "inference results accumulate in memory unless `stream=True` is passed: a long video or a stream kept as a list "
    "can exhaust memory. Iterate `model(source, stream=True)` to get one Results at a time."
)


class BasePredictor(CallbackMixin):
    """Runs inference for one task. `predictor(source)` -> list[Results]; `stream=True` -> a generator.

    Attributes: args, save_dir, model (an AutoBackend), device, imgsz, dataset, source_type, batch (paths, images,
    meta, info strings), results (what a callback leaves there is what is returned or yielded), seen, speed (ms per
    image of the last batch), vid_writer (one writer per video or stream being saved), plotted_img.
    """

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        from ultralytics_clone.cfg import DEFAULT_CFG, get_cfg, get_save_dir

        self.args = get_cfg(cfg if cfg is not None else DEFAULT_CFG, overrides)
        self.save_dir = get_save_dir(self.args) if self._saving() else None
        if self.args.conf is None:
            self.args.conf = 0.25
        self.model: Any = None
        self.data = self.args.data
        self.device: torch.device | None = None
        self.imgsz: Any = None
        self.dataset: Any = None
        self.source_type: Any = None
        self.batch: tuple | None = None
        self.results: Any = None
        self.seen = 0
        self.speed: dict[str, float] = {}
        self.done_warmup = False
        self.plotted_img: np.ndarray | None = None
        self.vid_writer: dict[str, cv2.VideoWriter] = {}
        self.txt_path: Path | None = None
        self.transforms = None
        self._lock = threading.Lock()  # one stream at a time per predictor
        self._init_callbacks(_callbacks)

    def _saving(self) -> bool:
        a = self.args
        return bool(a.save or a.save_txt or a.save_crop or a.save_frames or a.visualize)

    # ---------------------------------------------------------------------------------------------------- model
    def setup_model(self, model: Any = None, verbose: bool = True) -> None:
        """Load the model (nn.Module, checkpoint path or exported file) through AutoBackend on the selected device."""
        from ultralytics_clone.utils.torch_utils import select_device

        self.device = select_device(self.args.device, verbose=verbose)
        self.model = self._load_model(self.args.model if model is None else model, verbose)
        self.args.half = self.model.fp16
        self.args.device = str(self.device)
        self.done_warmup = False

    def _load_model(self, weights: Any, verbose: bool) -> Any:
        """An AutoBackend for `weights` (the one loading path shared with the validator), fused, eval mode."""
        from ultralytics_clone.nn.autobackend import AutoBackend

        return AutoBackend(weights, device=self.device, dnn=self.args.dnn, data=self.args.data, fp16=self.args.half,
                           fuse=True, verbose=verbose)  # fmt: skip

    @property
    def stride(self) -> int:
        return int(getattr(self.model, "stride", 32))

    # ---------------------------------------------------------------------------------------------------- source
    def setup_source(self, source: Any, stride: int | None = None) -> None:
        """Check imgsz against the model stride and open the source as batches of (paths, images, meta, info)."""
        from ultralytics_clone.data.loaders import load_inference_source
        from ultralytics_clone.utils.checks import check_imgsz

        self.imgsz = check_imgsz(self.args.imgsz, stride=stride or self.stride, min_dim=2)
        self.dataset = load_inference_source(source=source, batch=self.args.batch, vid_stride=self.args.vid_stride,
                                             buffer=self.args.stream_buffer)  # fmt: skip
        self.source_type = self.dataset.source_type
        if not getattr(self, "_stream_call", True) and (self.source_type.stream or self.source_type.screenshot or
                                                        getattr(self.dataset, "frames", 0) > 1000):  # fmt: skip
            LOGGER.warning(STREAM_WARNING)
        self.vid_writer = {}

    # -------------------------------------------------------------------------------------------------- pipeline
    def pre_transform(self, im: list[np.ndarray]) -> list[np.ndarray]:
        """Letterbox each image to imgsz (minimal padding when all share a shape and the model is PyTorch)."""
        from ultralytics_clone.data.augment import LetterBox

        same = len({x.shape for x in im}) == 1
        pt = getattr(self.model, "pt", True)
        letterbox = LetterBox(self.imgsz, auto=same and bool(self.args.rect) and pt, stride=self.stride)
        return [letterbox(image=x) for x in im]

    def preprocess(self, im: list[np.ndarray] | torch.Tensor) -> torch.Tensor:
        """BGR HWC uint8 images -> letterboxed RGB Tensor[B, C, H, W] on the device, 0-1, half when the model is,
        in channels-last memory when the model runs in that layout.

        A tensor source is already BCHW 0-1 and only moved; a 1-channel model gets gray images.
        """
        half = getattr(self.model, "fp16", self.args.half)
        gray = getattr(self.model, "ch", 3) == 1
        if isinstance(im, torch.Tensor):
            x = im.to(self.device)
        else:
            images = self.pre_transform(im)
            if (getattr(self.model, "prefers_channels_last", False) and not (half or gray) and images[0].dtype == np.uint8
                    and images[0].ndim == 3 and images[0].shape[2] == 3):  # fmt: skip
                # the CPU network runs channels-last: hand it that layout, built in two passes
                return torch.from_numpy(bgr_to_unit_rgb(images)).permute(0, 3, 1, 2).to(self.device)
            x = torch.from_numpy(hwc_to_chw(images)).to(self.device, non_blocking=True)
        if gray and x.shape[1] == 3:
            x = (x[:, :1].float() * 0.299 + x[:, 1:2].float() * 0.587 + x[:, 2:3].float() * 0.114)
            x = x.round() if not isinstance(im, torch.Tensor) else x
        if isinstance(im, torch.Tensor):
            x = x.half() if half else x.float()
        elif half:
            x = x.half().div_(255)
        else:
            x = torch.div(x, 255)  # uint8 (or gray float) -> float32 0-1 in one pass
        return x.contiguous()

    def inference(self, im: torch.Tensor, **kwargs: Any) -> Any:
        """The model's raw output for a preprocessed batch (augment / visualize / embed as args ask)."""
        visualize = False
        if self.args.visualize and not self.source_type.tensor:
            visualize = self.save_dir / "visualize" / Path(self.batch[0][0]).stem
            visualize.mkdir(parents=True, exist_ok=True)
        return self.model(im, augment=self.args.augment, visualize=visualize, embed=self.args.embed, **kwargs)

    def postprocess(self, preds: Any, img: torch.Tensor, orig_imgs: list[np.ndarray]) -> list:
        """Raw output -> list of Results (task predictors override)."""
        return preds

    def __call__(self, source: Any = None, model: Any = None, stream: bool = False, *args: Any, **kwargs: Any) -> Any:
        """list[Results], or a generator of them when `stream`."""
        self._stream_call = stream
        gen = self.stream_inference(source, model, *args, **kwargs)
        return gen if stream else list(gen)

    def predict_cli(self, source: Any = None, model: Any = None) -> None:
        """Run through a stream without keeping results (CLI use)."""
        self._stream_call = True
        for _ in self.stream_inference(source, model):
            pass

    @torch.inference_mode()
    def stream_inference(self, source: Any = None, model: Any = None, *args: Any, **kwargs: Any) -> Iterator:
        """Yield results batch by batch, firing the on_predict_* events around each step."""
        if self.model is None:
            self.setup_model(model)
        with self._lock:
            self.setup_source(source if source is not None else self.args.source)
            if self.save_dir is None and self._saving():  # a warm predictor asked to save
                from ultralytics_clone.cfg import get_save_dir

                self.save_dir = get_save_dir(self.args)
            if self.save_dir is not None and self._saving():
                (self.save_dir / "labels" if self.args.save_txt else self.save_dir).mkdir(parents=True, exist_ok=True)
            if not self.done_warmup and hasattr(self.model, "warmup"):
                self.model.warmup(imgsz=(1 if self.model.pt or self.model.dynamic else self.model.batch, self.model.ch,
                                         *self.imgsz))  # fmt: skip
                self.done_warmup = True
            self.seen, self.batch = 0, None
            profilers = (Profile(device=self.device), Profile(device=self.device), Profile(device=self.device))
            self.run_callbacks("on_predict_start")
            try:
                for batch in self.dataset:
                    self.batch = batch  # callbacks read predictor.batch
                    self.run_callbacks("on_predict_batch_start")
                    paths, im0s, _, info = self.batch
                    with profilers[0]:
                        im = self.preprocess(im0s)
                    with profilers[1]:
                        preds = self.inference(im, **kwargs)
                        if self.args.embed:
                            yield from [preds] if isinstance(preds, torch.Tensor) else preds
                            continue
                    with profilers[2]:
                        self.results = self.postprocess(preds, im, im0s)
                    self.run_callbacks("on_predict_postprocess_end")
                    n = len(im0s)
                    self.speed = {k: p.dt * 1e3 / n for k, p in zip(("preprocess", "inference", "postprocess"),
                                                                       profilers)}  # fmt: skip
                    for i in range(n):
                        self.seen += 1
                        self.results[i].speed = dict(self.speed)
                        if self.args.verbose or self._saving() or self.args.show:
                            info[i] += self.write_results(i, Path(paths[i]), im, info)
                    if self.args.verbose:
                        LOGGER.info("\n".join(f"{s}{self.speed['inference']:.1f}ms" for s in info))
                    self.run_callbacks("on_predict_batch_end")
                    yield from self.results
            finally:
                for w in self.vid_writer.values():
                    w.release()
                self.vid_writer = {}
                if hasattr(self.dataset, "close"):
                    self.dataset.close()
        if self.args.verbose and self.seen:
            LOGGER.info("Speed: {:.1f}ms preprocess, {:.1f}ms inference, {:.1f}ms postprocess per image at shape "
                        "{}".format(*(p.t / self.seen * 1e3 for p in profilers), (1, getattr(self.model, "ch", 3), *im.shape[2:])))
        if self.save_dir is not None and self._saving():
            n = len(list((self.save_dir / "labels").glob("*.txt"))) if self.args.save_txt else 0
            LOGGER.info(f"Results saved to {self.save_dir}" + (f", {n} label files in labels/" if n else ""))
        self.run_callbacks("on_predict_end")

    # --------------------------------------------------------------------------------------------------- saving
    def write_results(self, i: int, p: Path, im: torch.Tensor, s: list[str]) -> str:
        """Save / show result i as args ask; returns the log fragment ('256x256 2 circles, ')."""
        result = self.results[i]
        meta = self.batch[2][i] if isinstance(self.batch[2], list) and i < len(self.batch[2]) else {}
        mode, frame = meta.get("mode", "image"), int(meta.get("frame", 0))
        result.save_dir = str(self.save_dir) if self.save_dir else None
        text = f"{im.shape[2]}x{im.shape[3]} {result.verbose()}"
        stem = p.stem if mode == "image" else (f"{p.stem}_{frame}" if mode == "video" else f"{i}_{frame}")
        if mode == "stream":
            p = Path(f"{i}")
        self.txt_path = self.save_dir / "labels" / stem if self.save_dir else None
        if self.args.save_txt:
            result.save_txt(f"{self.txt_path}.txt", save_conf=self.args.save_conf)
        if self.args.save or self.args.show:
            self.plotted_img = result.plot(line_width=self.args.line_width, boxes=self.args.show_boxes,
                                           conf=self.args.show_conf, labels=self.args.show_labels,
                                           im_gpu=None if self.args.retina_masks else im[i])  # fmt: skip
        if self.args.save_crop:
            result.save_crop(save_dir=self.save_dir / "crops", file_name=stem)
        if self.args.show:
            self.show(str(p))
        if self.args.save:
            self.save_predicted_images(str(self.save_dir / p.name), frame, mode=mode, fps=meta.get("fps", 30.0))
        elif self.args.save_frames and mode != "image":
            frames = self.save_dir / "frames"
            frames.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(frames / f"{stem}.jpg"), result.plot(line_width=self.args.line_width))
        return text

    def save_predicted_images(self, save_path: str = "", frame: int = 0, mode: str | None = None,
                              fps: float = 30.0) -> None:  # fmt: skip
        """Write plotted_img: as a frame of <stem>.avi for videos and streams (source fps and size), else an image."""
        im = self.plotted_img
        mode = mode or ("video" if frame else "image")
        path = Path(save_path)
        if mode in {"video", "stream"}:
            if self.args.save_frames:
                frames = path.parent / "frames"
                frames.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(frames / f"{path.stem}_{frame}.jpg"), im)
            key = str(path)
            if key not in self.vid_writer:
                suffix, fourcc = (".mp4", "avc1") if platform.system() == "Darwin" else (".avi", "MJPG")
                self.vid_writer[key] = cv2.VideoWriter(str(path.with_suffix(suffix)), cv2.VideoWriter_fourcc(*fourcc),
                                                       float(fps or 30.0), (im.shape[1], im.shape[0]))  # fmt: skip
            self.vid_writer[key].write(im)
        else:
            suffix = path.suffix if path.suffix[1:].lower() in IMG_FORMATS else ".jpg"
            cv2.imwrite(str(path.with_suffix(suffix)), im)

    def show(self, p: str = "") -> None:
        """Display plotted_img in a window; without a display, a no-op with one warning."""
        from ultralytics_clone.utils.plotting import can_show

        if not can_show():
            from ultralytics_clone.utils.log import warn_once

            warn_once("show=True: no display is available here, so nothing is shown (use save=True instead).")
            return
        cv2.imshow(p, self.plotted_img)
        cv2.waitKey(300 if self.dataset.mode == "image" else 1)


__all__ = ["BasePredictor", "STREAM_WARNING"]
