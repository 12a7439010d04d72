"""Inference sources: files, folders, globs, .txt/.csv lists, URLs, videos, webcams and network streams (read in a
thread), PIL images, numpy arrays and torch tensors, each iterated as batches of (paths, images, meta, info).

`images` is a list of BGR uint8 HxWx3 arrays (a BCHW float tensor for LoadTensor); `meta` holds one dict per image
(mode 'image' | 'video' | 'stream', frame index, fps of its source) so saving can write videos at the source rate;
`info` holds one log string per image.
"""

from __future__ import annotations

import csv
import glob
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ultralytics_clone.data.utils import FORMATS_HELP_MSG, IMG_FORMATS, VID_FORMATS, imread, to_bgr_uint8
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import SourceError

STREAM_PREFIXES = ("rtsp://", "rtmp://", "tcp://", "udp://", "http://", "https://")
ACCEPTED = ("an image or video file, a folder, a glob, a .txt/.csv list of paths, a URL, a webcam index, an "
            "rtsp/rtmp/http stream, a PIL image, a numpy array, a BCHW torch tensor, or a list of these")  # fmt: skip


@dataclass
class SourceTypes:
    """What kind of source a loader reads (the predictor saves and logs accordingly)."""

    stream: bool = False
    screenshot: bool = False
    from_img: bool = False
    tensor: bool = False


def _suffix(p: str | Path) -> str:
    return Path(str(p)).suffix[1:].lower()


def _batches(items: Iterator[tuple[str, Any, dict, str]], bs: int) -> Iterator[tuple[list, list, list, list]]:
    """Group (path, image, meta, info) items into batches of `bs` (the last one may be shorter)."""
    paths, ims, metas, infos = [], [], [], []
    for path, im, meta, info in items:
        paths.append(path), ims.append(im), metas.append(meta), infos.append(info)
        if len(ims) == bs:
            yield paths, ims, metas, infos
            paths, ims, metas, infos = [], [], [], []
    if ims:
        yield paths, ims, metas, infos


def _read_list(file: Path) -> list[str]:
    """Paths listed in a .txt (one per line) or .csv (first column; a header row is skipped) file, relative to it."""
    text = file.read_text(encoding="utf-8")
    rows = [r[0].strip() for r in csv.reader(text.splitlines()) if r and r[0].strip()] if file.suffix.lower() == ".csv" \
        else [line.strip() for line in text.splitlines() if line.strip()]  # fmt: skip
    out = []
    for k, p in enumerate(rows):
        q = Path(p)
        if not q.is_absolute() and not q.exists() and (file.parent / q).exists():
            q = file.parent / q
        if k == 0 and file.suffix.lower() == ".csv" and not q.exists() and not any(c in p for c in "*?["):
            continue  # header
        out.append(str(q))
    return out


def expand_paths(path: str | Path | list) -> list[str]:
    """Files named by `path`: globs expanded, folders listed (images and videos), .txt/.csv lists read, URLs fetched."""
    if isinstance(path, (list, tuple)):
        return [f for p in path for f in expand_paths(p)]
    text = str(path).strip()
    if text.lower().startswith(("http://", "https://")):
        from ultralytics_clone.utils.downloads import safe_download

        return [str(safe_download(text, unzip=False, progress=False))]  # kept in the working folder: fetched once
    if any(c in text for c in "*?["):
        files = sorted(glob.glob(text, recursive=True))
        if not files:
            raise SourceError(f"source '{text}' matches no files.")
        return [f for f in files if _suffix(f) in IMG_FORMATS | VID_FORMATS]
    p = Path(text)
    if p.is_dir():
        return sorted(str(f) for f in p.iterdir() if f.is_file() and _suffix(f) in IMG_FORMATS | VID_FORMATS)
    if p.is_file() and p.suffix.lower() in {".txt", ".csv"}:
        return expand_paths(_read_list(p))
    if p.is_file():
        if _suffix(p) not in IMG_FORMATS | VID_FORMATS:
            raise SourceError(f"source '{text}' is not an image or video file (suffix '{p.suffix}'). {FORMATS_HELP_MSG}")
        return [str(p)]
    raise SourceError(f"source '{text}' does not exist (resolved to '{p.resolve()}'). Accepted: {ACCEPTED}.")


def read_image(path: str) -> np.ndarray:
    """`path` decoded as cv2.imread does (BGR uint8, EXIF orientation applied); SourceError naming it otherwise."""
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"image '{path}' does not exist.")
    if p.stat().st_size == 0:
        raise SourceError(f"image '{path}' is an empty (zero-byte) file.")
    im = imread(path)
    if im is None:
        raise SourceError(f"image '{path}' could not be decoded: the file is damaged or not an image.")
    return im


class LoadImagesAndVideos:
    """Images and videos from paths, folders, globs and lists; videos are read frame by frame (every `vid_stride`th)."""

    def __init__(self, path: str | Path | list, batch: int = 1, vid_stride: int = 1, channels: int = 3) -> None:
        self.files = expand_paths(path)
        if not self.files:
            raise SourceError(f"source '{path}' holds no images or videos. {FORMATS_HELP_MSG}")
        self.video_flag = [_suffix(f) in VID_FORMATS for f in self.files]
        self.nf = len(self.files)
        self.ni = self.nf - sum(self.video_flag)
        self.bs = max(int(batch), 1)
        self.vid_stride = max(int(vid_stride), 1)
        self.channels = channels
        self.cv2_flag = cv2.IMREAD_GRAYSCALE if channels == 1 else cv2.IMREAD_COLOR
        self.mode = "video" if self.ni == 0 else "image"
        self.cap: cv2.VideoCapture | None = None
        self.frame = self.frames = 0
        self.fps = 30.0

    def __len__(self) -> int:
        """Number of batches of the images (videos count once each)."""
        return math.ceil(self.nf / self.bs)

    def _items(self) -> Iterator[tuple[str, np.ndarray, dict, str]]:
        for k, (f, is_video) in enumerate(zip(self.files, self.video_flag)):
            if is_video:
                yield from self._video(f, k)
            else:
                self.mode = "image"
                yield f, read_image(f), {"mode": "image", "frame": 0, "fps": 0.0}, f"image {k + 1}/{self.nf} {f}: "

    def _video(self, f: str, k: int) -> Iterator[tuple[str, np.ndarray, dict, str]]:
        if Path(f).stat().st_size == 0:
            raise SourceError(f"video '{f}' is an empty (zero-byte) file.")
        self.cap = cv2.VideoCapture(f)
        if not self.cap.isOpened():
            raise SourceError(f"video '{f}' could not be opened: the file is damaged or its codec is not supported.")
        self.mode = "video"
        self.fps = self.cap.get(cv2.CAP_PROP_FPS) or 30.0
        self.frames = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT) / self.vid_stride)
        self.frame = 0
        try:
            n = 0
            while self.cap.grab():
                n += 1
                if (n - 1) % self.vid_stride:
                    continue
                ok, im = self.cap.retrieve()
                if not ok:
                    break
                self.frame += 1
                meta = {"mode": "video", "frame": self.frame, "fps": self.fps / self.vid_stride}
                yield f, im, meta, f"video {k + 1}/{self.nf} (frame {self.frame}/{self.frames}) {f}: "
        finally:
            self.close()

    def __iter__(self) -> Iterator[tuple[list, list, list, list]]:
        yield from _batches(self._items(), self.bs)

    def close(self) -> None:
        """Release the open video, if any."""
        if self.cap is not None:
            self.cap.release()
            self.cap = None


class LoadStreams:
    """Webcams (index) and rtsp/rtmp/http streams or video files, each read by its own thread.

    buffer=True keeps every frame (up to 30 waiting, the reader pauses meanwhile); False keeps only the newest, so
    the predictor always sees the current picture. A stream that ends or stays silent for `timeout` seconds is
    reported and stops the iteration.
    """

    timeout = 10.0

    def __init__(self, sources: str = "file.streams", vid_stride: int = 1, buffer: bool = False, channels: int = 3):
        p = Path(str(sources))
        srcs = _read_list(p) if str(sources).endswith(".streams") and p.is_file() else [str(sources)]
        self.sources = [s.strip() for s in srcs]
        self.bs = len(self.sources)
        self.vid_stride = max(int(vid_stride), 1)
        self.buffer = bool(buffer)
        self.channels = channels
        self.cv2_flag = cv2.IMREAD_GRAYSCALE if channels == 1 else cv2.IMREAD_COLOR
        self.mode = "stream"
        self.running = True
        self.imgs: list[list[np.ndarray]] = [[] for _ in self.sources]
        self.fps, self.frames, self.shape, self.caps, self.threads = [], [], [], [], []
        self._cond = threading.Condition()
        self._ended = [False] * self.bs
        for i, s in enumerate(self.sources):
            cap = cv2.VideoCapture(int(s) if s.isnumeric() else s)
            if not cap.isOpened():
                self.close()
                raise SourceError(f"stream '{s}' could not be opened (no camera with that index, or the address "
                                  "does not answer).")  # fmt: skip
            ok, im = cap.read()
            if not ok or im is None:
                cap.release()
                self.close()
                raise SourceError(f"stream '{s}' opened but sent no frame.")
            fps = cap.get(cv2.CAP_PROP_FPS)
            self.fps.append(fps if fps and math.isfinite(fps) and fps < 1000 else 30.0)
            n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            self.frames.append(n if n > 0 else float("inf"))
            self.shape.append(im.shape)
            self.imgs[i].append(im)
            self.caps.append(cap)
            t = threading.Thread(target=self.update, args=(i, cap, s), daemon=True)
            self.threads.append(t)
            LOGGER.info(f"stream {i + 1}/{self.bs}: {s} ({im.shape[1]}x{im.shape[0]} at {self.fps[i]:.1f} FPS)")
        for t in self.threads:
            t.start()
        self.count = 0

    def update(self, i: int, cap: cv2.VideoCapture, stream: str) -> None:
        """Reader thread: grab every frame, keep every `vid_stride`th, until the stream ends or close() is called."""
        n = 0
        while self.running and cap.isOpened():
            if self.buffer:
                with self._cond:
                    self._cond.wait_for(lambda: len(self.imgs[i]) < 30 or not self.running, timeout=1.0)
            if not cap.grab():
                break
            n += 1
            if n % self.vid_stride:
                continue
            ok, im = cap.retrieve()
            if not ok:
                break
            with self._cond:
                if self.buffer:
                    self.imgs[i].append(im)
                else:
                    self.imgs[i] = [im]
                self._cond.notify_all()
        with self._cond:
            self._ended[i] = True
            self._cond.notify_all()
        if self.running:
            LOGGER.info(f"stream {i + 1}/{self.bs} '{stream}' ended.")

    def __iter__(self) -> Iterator[tuple[list, list, list, list]]:
        self.count = -1
        while True:
            self.count += 1
            ims = []
            for i in range(self.bs):
                with self._cond:
                    ready = self._cond.wait_for(lambda i=i: self.imgs[i] or self._ended[i], timeout=self.timeout)
                    if not self.imgs[i]:
                        if ready:  # the thread ended and nothing is left
                            LOGGER.warning(f"stream '{self.sources[i]}' ended; stopping.")
                        else:
                            LOGGER.warning(f"stream '{self.sources[i]}' sent no frame for {self.timeout:.0f}s; "
                                           "stopping.")  # fmt: skip
                        self.close()
                        return
                    ims.append(self.imgs[i].pop(0) if self.buffer else self.imgs[i].pop(-1))
                    if not self.buffer:
                        self.imgs[i].clear()
                    self._cond.notify_all()
            metas = [{"mode": "stream", "frame": self.count + 1, "fps": f / self.vid_stride} for f in self.fps]
            infos = [f"{i}: " for i in range(self.bs)]
            yield list(self.sources), ims, metas, infos

    def __len__(self) -> int:
        return self.bs

    def close(self) -> None:
        """Stop the reader threads and release the captures."""
        self.running = False
        with self._cond:
            self._cond.notify_all()
        for t in self.threads:
            if t.is_alive() and t is not threading.current_thread():
                t.join(timeout=5)
        for cap in self.caps:
            cap.release()


class LoadPilAndNumpy:
    """In-memory PIL images and numpy arrays (BGR HWC, gray, BGRA, 16-bit, float) as BGR uint8 images."""

    def __init__(self, im0: Any, channels: int = 3) -> None:
        items = im0 if isinstance(im0, list) else [im0]
        self.paths = [_name(im, i) for i, im in enumerate(items)]
        self.im0 = [self._single_check(im, i) for i, im in enumerate(items)]
        self.channels = channels
        self.mode = "image"
        self.bs = len(self.im0)
        self.count = 0

    @staticmethod
    def _single_check(im: Any, i: int = 0) -> np.ndarray:
        """One image as a contiguous BGR uint8 HxWx3 array; SourceError naming the item for anything else."""
        if hasattr(im, "convert") and hasattr(im, "size"):  # PIL
            from PIL import ImageOps

            im = ImageOps.exif_transpose(im)
            if im.mode in {"I;16", "I;16B", "I", "F"}:
                return to_bgr_uint8(np.asarray(im))
            im = np.asarray(im.convert("RGB"))[..., ::-1]
            return np.ascontiguousarray(im)
        if isinstance(im, np.ndarray):
            ok = im.ndim == 2 or (im.ndim == 3 and im.shape[2] in {1, 2, 3, 4})
            if not ok or im.size == 0:
                raise SourceError(f"numpy source {i} has shape {im.shape}; expected HxW (gray) or HxWxC with C 1, 3 "
                                  "or 4 (BGR order).")  # fmt: skip
            if im.dtype == bool or im.dtype.kind not in "uif":
                raise SourceError(f"numpy source {i} has dtype {im.dtype}; expected uint8, uint16 or float.")
            return to_bgr_uint8(im)
        raise SourceError(f"source item {i} is a {type(im).__name__}; accepted: {ACCEPTED}.")

    def __len__(self) -> int:
        return math.ceil(len(self.im0) / self.bs)

    def __iter__(self) -> Iterator[tuple[list, list, list, list]]:
        n = len(self.im0)
        items = ((p, im, {"mode": "image", "frame": 0, "fps": 0.0}, f"image {k + 1}/{n} {p}: ")
                 for k, (p, im) in enumerate(zip(self.paths, self.im0)))  # fmt: skip
        yield from _batches(items, self.bs)


def _name(im: Any, i: int) -> str:
    """The file an in-memory image came from when known (PIL keeps it, our mixed lists pass paths), else imageN.jpg."""
    return getattr(im, "filename", "") or getattr(im, "_source_path", "") or f"image{i}.jpg"


class LoadTensor:
    """A BCHW (or CHW) float tensor with values 0-1, fed to the model as it is; sides must be multiples of 32."""

    def __init__(self, im0: torch.Tensor) -> None:
        self.im0 = self._single_check(im0)
        self.bs = self.im0.shape[0]
        self.mode = "image"
        self.paths = [getattr(im0, "filename", f"image{i}.jpg") for i in range(len(self.im0))]

    @staticmethod
    def _single_check(im: torch.Tensor, stride: int = 32) -> torch.Tensor:
        """The tensor as BCHW float; SourceError naming the shape, range or dtype when it is not one."""
        shape = tuple(im.shape)
        if im.ndim == 3:
            im = im.unsqueeze(0)
        if im.ndim != 4 or im.shape[1] not in {1, 3}:
            raise SourceError(f"torch tensor source has shape {shape}; expected BCHW (batch, 3 channels, height, "
                              "width) or CHW, RGB, values 0-1.")  # fmt: skip
        if im.shape[2] % stride or im.shape[3] % stride:
            raise SourceError(f"torch tensor source has shape {shape}; height and width must be multiples of "
                              f"{stride} (the model stride): letterbox or resize it first.")  # fmt: skip
        if not im.is_floating_point():
            raise SourceError(f"torch tensor source has dtype {im.dtype}; expected a float tensor with values 0-1 "
                              "(divide a uint8 image by 255).")  # fmt: skip
        lo, hi = float(im.min()), float(im.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise SourceError(f"torch tensor source holds values from {lo:g} to {hi:g}; expected 0-1 (divide a "
                              "0-255 image by 255).")  # fmt: skip
        return im.float() if im.dtype not in {torch.float16, torch.float32} else im

    def __len__(self) -> int:
        return math.ceil(len(self.im0) / self.bs)

    def __iter__(self) -> Iterator[tuple[list, torch.Tensor, list, list]]:
        for s in range(0, len(self.im0), self.bs):
            paths = self.paths[s : s + self.bs]
            metas = [{"mode": "image", "frame": 0, "fps": 0.0} for _ in paths]
            yield paths, self.im0[s : s + self.bs], metas, [f"image {s + k + 1}/{len(self.im0)}: " for k in
                                                            range(len(paths))]  # fmt: skip


class LoadScreenshots:
    """Screen captures ('screen', 'screen 1', 'screen 0 100 100 512 256': monitor, left, top, width, height); needs
    the `mss` package."""

    def __init__(self, source: str, channels: int = 3) -> None:
        try:
            import mss
        except ImportError as e:
            raise SourceError(f"source '{source}' (screen capture) needs the 'mss' package: pip install mss") from e
        parts = source.split()[1:]
        self.screen, left, top, width, height = (int(x) for x in (parts + ["0"] * 5)[:5]) if len(parts) != 1 else \
            (int(parts[0]), 0, 0, 0, 0)  # fmt: skip
        self.sct = mss.mss()
        monitor = self.sct.monitors[self.screen]
        self.top, self.left = monitor["top"] + top, monitor["left"] + left
        self.width, self.height = width or monitor["width"], height or monitor["height"]
        self.monitor = {"left": self.left, "top": self.top, "width": self.width, "height": self.height}
        self.mode, self.bs, self.fps, self.frame, self.channels = "stream", 1, 30.0, 0, channels
        self.cv2_flag = cv2.IMREAD_GRAYSCALE if channels == 1 else cv2.IMREAD_COLOR

    def __iter__(self) -> Iterator[tuple[list, list, list, list]]:
        while True:
            im = np.asarray(self.sct.grab(self.monitor))[:, :, :3]
            self.frame += 1
            yield [f"screen{self.screen}"], [np.ascontiguousarray(im)], [{"mode": "stream", "frame": self.frame,
                                                                          "fps": self.fps}], [f"screen {self.screen}: "]


LOADERS = (LoadStreams, LoadPilAndNumpy, LoadImagesAndVideos, LoadScreenshots)


def autocast_list(source: list) -> list:
    """A mixed list (paths, URLs, PIL images, arrays) as a list of PIL images / arrays; files keep their path."""
    out = []
    for i, im in enumerate(source):
        if isinstance(im, (str, Path)):
            for f in expand_paths(im):
                if _suffix(f) in VID_FORMATS:
                    raise SourceError(f"source item {i} '{f}' is a video; a list mixing in-memory images and files "
                                      "takes image files only (pass videos on their own).")  # fmt: skip
                arr = read_image(f)
                out.append(_Named(arr, f))
        elif isinstance(im, np.ndarray) or (hasattr(im, "convert") and hasattr(im, "size")):
            out.append(im)
        else:
            raise SourceError(f"source item {i} is a {type(im).__name__}; accepted: {ACCEPTED}.")
    return out


class _Named(np.ndarray):
    """An image array that remembers the file it was read from."""

    def __new__(cls, arr: np.ndarray, path: str) -> _Named:
        obj = np.asarray(arr).view(cls)
        obj._source_path = path
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self._source_path = getattr(obj, "_source_path", "")


def check_source(source: Any) -> tuple[Any, bool, bool, bool, bool, bool]:
    """(source, webcam, screenshot, from_img, in_memory, tensor) for any accepted source."""
    webcam = screenshot = from_img = in_memory = tensor = False
    if isinstance(source, (str, int, Path)):
        source = str(source).strip()
        is_file = _suffix(source) in IMG_FORMATS | VID_FORMATS
        is_url = source.lower().startswith(STREAM_PREFIXES)
        webcam = source.isnumeric() or source.endswith(".streams") or (is_url and not is_file)
        screenshot = source.lower().startswith("screen")
    elif isinstance(source, LOADERS):
        in_memory = True
    elif isinstance(source, (list, tuple)):
        if all(isinstance(s, (str, Path)) for s in source):
            source = [str(s) for s in source]
        else:
            source, from_img = autocast_list(list(source)), True
    elif isinstance(source, np.ndarray) or (hasattr(source, "convert") and hasattr(source, "size")):
        from_img = True
    elif isinstance(source, torch.Tensor):
        tensor = True
    else:
        raise SourceError(f"source of type {type(source).__name__} is not supported. Accepted: {ACCEPTED}.")
    return source, webcam, screenshot, from_img, in_memory, tensor


def load_inference_source(source: Any = None, batch: int = 1, vid_stride: int = 1, buffer: bool = False,
                          channels: int = 3) -> Any:  # fmt: skip
    """The loader for `source`, with `source_type` (SourceTypes) set; images are grouped `batch` at a time."""
    source, stream, screenshot, from_img, in_memory, tensor = check_source(source)
    source_type = getattr(source, "source_type", SourceTypes()) if in_memory else SourceTypes(stream, screenshot, from_img, tensor)
    if tensor:
        dataset = LoadTensor(source)
    elif in_memory:
        dataset = source
    elif stream:
        dataset = LoadStreams(source, vid_stride=vid_stride, buffer=buffer, channels=channels)
    elif screenshot:
        dataset = LoadScreenshots(source, channels=channels)
    elif from_img:
        dataset = LoadPilAndNumpy(source, channels=channels)
    else:
        dataset = LoadImagesAndVideos(source, batch=batch, vid_stride=vid_stride, channels=channels)
    if from_img:  # a list of images is batched like files; a tensor is already a batch
        dataset.bs = max(int(batch), 1)
    dataset.source_type = source_type
    return dataset


__all__ = [
    "SourceTypes", "LoadImagesAndVideos", "LoadStreams", "LoadPilAndNumpy", "LoadTensor", "LoadScreenshots",
    "LOADERS", "autocast_list", "check_source", "load_inference_source", "expand_paths", "read_image",
]  # fmt: skip

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
