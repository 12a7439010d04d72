"""BasePredictor: source -> LetterBox preprocess -> model -> task postprocess -> Results, as a list or a generator."""

from __future__ import annotations

import glob
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ultralytics_clone.data.utils import imread, to_bgr_uint8
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.callbacks import CallbackMixin
from ultralytics_clone.utils.errors import SourceError
from ultralytics_clone.utils.ops import Profile

IMG_SUFFIXES = {".bmp", ".dng", ".jpeg", ".jpg", ".mpo", ".png", ".tif", ".tiff", ".webp", ".pfm", ".heic"}
VID_SUFFIXES = {".asf", ".avi", ".gif", ".m4v", ".mkv", ".mov", ".mp4", ".mpeg", ".mpg", ".ts", ".wmv", ".webm"}


class BasePredictor(CallbackMixin):
    """Runs inference for one task. `predictor(source)` -> list[Results]; `stream=True` -> a generator.

    Attributes: args, save_dir, model, device, imgsz, dataset, batch (paths, im0s, None, info strings), results
    (what a callback leaves there is what the generator yields), seen, speed of the last batch (ms per image).
    """

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        from ultralytics_clone.cfg import DEFAULT_CFG, get_cfg, get_save_dir

        self.args = get_cfg(cfg if cfg is not None else DEFAULT_CFG, overrides)
        self.save_dir = get_save_dir(self.args) if self.args.save or self.args.save_txt else None
        if self.args.conf is None:
            self.args.conf = 0.25
        self.model: Any = None
        self.device: torch.device | None = None
        self.imgsz: Any = None
        self.dataset: Any = None
        self.batch: tuple | None = None
        self.results: Any = None
        self.seen = 0
        self.done_warmup = False
        self.plotted_img: np.ndarray | None = None
        self._lock = threading.Lock()  # one stream at a time per predictor
        self._init_callbacks(_callbacks)

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
    def setup_source(self, source: Any) -> None:
        """Check imgsz against the model stride and open the source as batches of (paths, im0s, None, info)."""
        from ultralytics_clone.utils.checks import check_imgsz

        self.imgsz = check_imgsz(self.args.imgsz, stride=self.stride, min_dim=2)
        self.dataset = load_source(source, batch=self.args.batch, vid_stride=self.args.vid_stride)

    # -------------------------------------------------------------------------------------------------- pipeline
    def preprocess(self, im0s: list[np.ndarray]) -> torch.Tensor:
        """BGR HWC uint8 images -> letterboxed RGB Tensor[B, 3, H, W] on the device, float 0-1 (half if args.half)."""
        from ultralytics_clone.data.augment import LetterBox

        same = len({im.shape for im in im0s}) == 1
        letterbox = LetterBox(self.imgsz, auto=same and bool(self.args.rect) and self.model.pt,
                              stride=self.stride)  # fmt: skip
        im = np.stack([letterbox(image=x) for x in im0s])
        im = np.ascontiguousarray(im[..., ::-1].transpose(0, 3, 1, 2))  # BGR -> RGB, BHWC -> BCHW
        im = torch.from_numpy(im).to(self.device)
        return (im.half() if self.args.half else im.float()) / 255

    def inference(self, im: torch.Tensor) -> Any:
        """The model's raw output for a preprocessed batch."""
        return self.model(im, augment=self.args.augment, embed=self.args.embed)

    def postprocess(self, preds: Any, img: torch.Tensor, orig_imgs: list[np.ndarray]) -> list:
        """Raw output -> list of Results (task predictors override)."""
        return preds

    def __call__(self, source: Any = None, model: Any = None, stream: bool = False, *args: Any, **kwargs: Any) -> Any:
        """list[Results], or a generator of them when `stream`."""
        gen = self.stream_inference(source, model, *args, **kwargs)
        return gen if stream else list(gen)

    def predict_cli(self, source: Any = None, model: Any = None) -> None:
        """Run through a stream without keeping results (CLI use)."""
        for _ in self.stream_inference(source, model):
            pass

    @torch.no_grad()
    def stream_inference(self, source: Any = None, model: Any = None, *args: Any, **kwargs: Any) -> Iterator:
        """Yield results batch by batch, firing the on_predict_* events around each step."""
        if self.model is None:
            self.setup_model(model)
        with self._lock:
            self.setup_source(source if source is not None else self.args.source)
            if self.save_dir is None and (self.args.save or self.args.save_txt):  # a warm predictor asked to save
                from ultralytics_clone.cfg import get_save_dir

                self.save_dir = get_save_dir(self.args)
            if self.save_dir is not None:
                (self.save_dir / "labels" if self.args.save_txt else self.save_dir).mkdir(parents=True, exist_ok=True)
            if not self.done_warmup:
                self.model.warmup(imgsz=(1 if self.model.pt or self.model.dynamic else self.model.batch, self.model.ch,
                                         *self.imgsz))  # fmt: skip
                self.done_warmup = True
            self.seen, self.batch = 0, None
            profilers = (Profile(device=self.device), Profile(device=self.device), Profile(device=self.device))
            self.run_callbacks("on_predict_start")
            for batch in self.dataset:
                self.batch = batch  # callbacks read predictor.batch
                self.run_callbacks("on_predict_batch_start")
                paths, im0s, _, info = self.batch
                with profilers[0]:
                    im = self.preprocess(im0s)
                with profilers[1]:
                    preds = self.inference(im)
                    if self.args.embed:
                        yield from [preds] if isinstance(preds, torch.Tensor) else preds
                        continue
                with profilers[2]:
                    self.results = self.postprocess(preds, im, im0s)
                self.run_callbacks("on_predict_postprocess_end")
                n = len(im0s)
                speed = {k: p.dt * 1e3 / n for k, p in zip(("preprocess", "inference", "postprocess"), profilers)}
                for i, r in enumerate(self.results):
                    self.seen += 1
                    r.speed = dict(speed)
                    info[i] += self.write_results(i, Path(paths[i]), im, info)
                if self.args.verbose:
                    LOGGER.info("\n".join(f"{s}{speed['inference']:.1f}ms" for s in info))
                self.run_callbacks("on_predict_batch_end")
                yield from self.results
        if self.args.verbose and self.seen:
            LOGGER.info("Speed: {:.1f}ms preprocess, {:.1f}ms inference, {:.1f}ms postprocess per image".format(
                *(p.t / self.seen * 1e3 for p in profilers)))  # fmt: skip
        if self.save_dir is not None and (self.args.save or self.args.save_txt):
            LOGGER.info(f"Results saved to {self.save_dir}")
        self.run_callbacks("on_predict_end")

    def write_results(self, i: int, p: Path, im: torch.Tensor, info: list[str]) -> str:
        """Save / show result i as args ask; returns the log fragment ('256x256 2 circles, ')."""
        result = self.results[i]
        result.save_dir = str(self.save_dir) if self.save_dir else None
        text = f"{im.shape[2]}x{im.shape[3]} {result.verbose()}"
        frame = getattr(self.dataset, "frame", 0)
        stem = p.stem + (f"_{frame}" if frame else "")
        if self.args.save_txt:
            result.save_txt(self.save_dir / "labels" / f"{stem}.txt", save_conf=self.args.save_conf)
        if self.args.save or self.args.show:
            self.plotted_img = result.plot(line_width=self.args.line_width, boxes=self.args.show_boxes,
                                           conf=self.args.show_conf, labels=self.args.show_labels)  # fmt: skip
            if self.args.save:
                cv2.imwrite(str(self.save_dir / f"{stem}{p.suffix if p.suffix.lower() in IMG_SUFFIXES else '.jpg'}"),
                            self.plotted_img)  # fmt: skip
            if self.args.show:
                result.show(self.plotted_img)
        if self.args.save_crop:
            result.save_crop(save_dir=self.save_dir / "crops", file_name=stem)
        return text


class _Images:
    """Batches (paths, im0s, None, info) over image files, video frames and in-memory images; `frame` tracks video."""

    def __init__(self, items: list[Any], batch: int = 1, vid_stride: int = 1) -> None:
        self.items, self.bs, self.vid_stride, self.frame = items, max(int(batch), 1), max(int(vid_stride), 1), 0

    def __len__(self) -> int:
        return (len(self.items) + self.bs - 1) // self.bs

    def _frames(self) -> Iterator[tuple[str, np.ndarray, str]]:
        for k, item in enumerate(self.items):
            if isinstance(item, np.ndarray):  # gray, BGRA, 16-bit or float arrays become 3-channel uint8 BGR
                yield f"image{k}.jpg", to_bgr_uint8(item), f"image {k + 1}/{len(self.items)} numpy: "
            elif Path(item).suffix.lower() in VID_SUFFIXES:
                yield from self._video(item)
            else:
                im = imread(item)  # any path (non-ASCII too); gray, RGBA and 16-bit files as uint8 BGR
                if im is None:
                    raise SourceError(f"image '{item}' could not be read (missing, empty or not an image).")
                self.frame = 0
                yield str(item), im, f"image {k + 1}/{len(self.items)} {item}: "

    def _video(self, path: str) -> Iterator[tuple[str, np.ndarray, str]]:
        cap = cv2.VideoCapture(str(path))
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        try:
            self.frame = 0
            while True:
                ok, im = cap.read()
                if not ok:
                    break
                self.frame += 1
                if (self.frame - 1) % self.vid_stride == 0:
                    yield str(path), im, f"video {self.frame}/{total} {path}: "
        finally:
            cap.release()

    def __iter__(self) -> Iterator[tuple[list[str], list[np.ndarray], None, list[str]]]:
        paths, ims, infos = [], [], []
        for path, im, info in self._frames():
            paths.append(path), ims.append(im), infos.append(info)
            if len(ims) == self.bs:
                yield paths, ims, None, infos
                paths, ims, infos = [], [], []
        if ims:
            yield paths, ims, None, infos


def _expand(source: Any) -> list[Any]:
    """A source as a flat list of file paths and BGR arrays (PIL images converted)."""
    if isinstance(source, (list, tuple)):
        return [x for s in source for x in _expand(s)]
    if isinstance(source, np.ndarray):
        return [source]
    if hasattr(source, "convert") and hasattr(source, "size"):  # PIL image
        return [np.ascontiguousarray(np.asarray(source.convert("RGB"))[..., ::-1])]
    text = str(source)
    if any(c in text for c in "*?["):
        return sorted(glob.glob(text, recursive=True))
    p = Path(text)
    if p.is_dir():
        return sorted(str(f) for f in p.iterdir() if f.suffix.lower() in IMG_SUFFIXES | VID_SUFFIXES)
    if p.suffix.lower() == ".txt" and p.is_file():
        return [line.strip() for line in p.read_text().splitlines() if line.strip()]
    if p.is_file():
        return [str(p)]
    raise SourceError(f"source '{source}' does not exist. Accepted: an image or video file, a folder, a glob, a .txt "
                      "list of paths, a numpy array (HWC BGR), a PIL image, or a list of these.")  # fmt: skip


def load_source(source: Any, batch: int = 1, vid_stride: int = 1) -> Any:
    """The data package's load_inference_source when present (streams, URLs), else the built-in file/array loader."""
    try:
        from ultralytics_clone.data.loaders import load_inference_source
    except ImportError:
        load_inference_source = None
    if load_inference_source is not None:
        return _FourTuple(load_inference_source(source=source, batch=batch, vid_stride=vid_stride))
    items = _expand(source)
    if not items:
        raise SourceError(f"source '{source}' holds no images or videos.")
    return _Images(items, batch=batch, vid_stride=vid_stride)


class _FourTuple:
    """Adapts a loader yielding (paths, im0s, info) to the (paths, im0s, None, info) batches callbacks expect."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[tuple]:
        for b in self.loader:
            yield b if len(b) == 4 else (b[0], b[1], None, list(b[2]))


__all__ = ["BasePredictor", "load_source"]
