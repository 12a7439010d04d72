"""Inference sources (data/loaders.py): every source kind, batching, bad sources named, streams that end."""

from __future__ import annotations

import http.server
import threading

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from ultralytics_clone.data.build import load_inference_source
from ultralytics_clone.data.loaders import LoadStreams
from ultralytics_clone.utils.errors import SourceError


def _img(path, shape=(48, 64), value=90):
    im = np.full((*shape, 3), value, np.uint8)
    cv2.circle(im, (shape[1] // 2, shape[0] // 2), 10, (0, 0, 255), -1)
    cv2.imwrite(str(path), im)
    return path


def _video(path, n=10, fps=12, size=(64, 48)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for k in range(n):
        frame = np.full((size[1], size[0], 3), 20 * k % 255, np.uint8)
        w.write(frame)
    w.release()
    return path


def _all(ds):
    return [item for b in ds for item in zip(b[0], b[1], b[2], b[3])]


def test_files_folders_globs_and_lists(tmp_path):
    d = tmp_path / "imgs"
    d.mkdir()
    for k in range(5):
        _img(d / f"{k}.jpg")
    (d / "notes.md").write_text("x")
    assert len(_all(load_inference_source(str(d)))) == 5
    assert len(_all(load_inference_source(str(d / "*.jpg")))) == 5
    (tmp_path / "list.txt").write_text("imgs/0.jpg\nimgs/1.jpg\n\n")
    assert [p for p, *_ in _all(load_inference_source(str(tmp_path / "list.txt")))][-1].endswith("1.jpg")
    (tmp_path / "list.csv").write_text("source\nimgs/2.jpg\nimgs/3.jpg\n")
    items = _all(load_inference_source(str(tmp_path / "list.csv")))
    assert len(items) == 2 and items[0][1].shape == (48, 64, 3)
    assert len(_all(load_inference_source([str(d / "0.jpg"), str(d / "1.jpg")]))) == 2


def test_batches_of_n(tmp_path):
    for k in range(20):
        _img(tmp_path / f"{k:02d}.png")
    ds = load_inference_source(str(tmp_path), batch=8)
    sizes = [len(b[1]) for b in ds]
    assert sizes == [8, 8, 4] and len(ds) == 3
    arrays = load_inference_source([np.zeros((8, 8, 3), np.uint8)] * 5, batch=2)
    assert [len(b[1]) for b in arrays] == [2, 2, 1]


@pytest.mark.parametrize("kind", ["missing", "empty", "garbage", "suffix", "nothing"])
def test_bad_sources_are_named(tmp_path, kind):
    f = {"missing": tmp_path / "nope.jpg", "empty": tmp_path / "empty.jpg", "garbage": tmp_path / "bad.png",
         "suffix": tmp_path / "data.bin", "nothing": tmp_path / "none"}[kind]  # fmt: skip
    if kind == "empty":
        f.write_bytes(b"")
    elif kind in {"garbage", "suffix"}:
        f.write_bytes(b"not an image at all")
    elif kind == "nothing":
        f.mkdir()
    with pytest.raises(SourceError, match=str(f.name)) as e:
        _all(load_inference_source(str(f)))
    assert "\n" not in str(e.value).split(". Supported")[0]
    expected = {"missing": "does not exist", "empty": "zero-byte", "garbage": "could not be decoded",
                "suffix": "not an image or video", "nothing": "holds no images"}[kind]  # fmt: skip
    assert expected in str(e.value)


def test_orig_img_is_what_cv2_imread_returns(tmp_path):
    """RGBA, gray, 16-bit and EXIF-rotated files come out exactly as cv2.imread(path) reads them."""
    rng = np.random.default_rng(0)
    rgba = tmp_path / "rgba.png"
    cv2.imwrite(str(rgba), rng.integers(0, 255, (20, 30, 4), dtype=np.uint8))
    gray = tmp_path / "gray.png"
    cv2.imwrite(str(gray), rng.integers(0, 255, (20, 30), dtype=np.uint8))
    deep = tmp_path / "deep.png"
    cv2.imwrite(str(deep), rng.integers(0, 65535, (20, 30, 3), dtype=np.uint16))
    rotated = tmp_path / "rotated.jpg"
    pil = Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8))
    exif = pil.getexif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    pil.save(rotated, exif=exif)
    for f in (rgba, gray, deep, rotated):
        (_, im, meta, info), = _all(load_inference_source(str(f)))
        ref = cv2.imread(str(f))
        assert im.shape == ref.shape and np.array_equal(im, ref), f.name
        assert meta["mode"] == "image" and str(f) in info
    assert _all(load_inference_source(str(rotated)))[0][1].shape == (30, 20, 3)


def test_numpy_of_every_dtype_and_channels():
    im = np.random.default_rng(1).integers(0, 255, (16, 24, 3), dtype=np.uint8)
    cases = [im, im[..., 0], np.dstack([im, np.full((16, 24), 255, np.uint8)]), im.astype(np.uint16) * 257,
             im.astype(np.float32) / 255, im[..., :1]]  # fmt: skip
    out = [b[1][0] for c in cases for b in load_inference_source(c)]
    assert all(o.shape == (16, 24, 3) and o.dtype == np.uint8 for o in out)
    assert np.array_equal(out[2], im) and np.array_equal(out[3], im) and np.abs(out[4].astype(int) - im).max() <= 1
    with pytest.raises(SourceError, match=r"numpy source 0 has shape \(2, 3, 4, 5\)"):
        load_inference_source(np.zeros((2, 3, 4, 5), np.uint8))


def test_pil_modes_and_mixed_list(tmp_path):
    f = _img(tmp_path / "a.jpg")
    pil_rgba = Image.new("RGBA", (24, 16), (255, 0, 0, 128))
    pil_gray = Image.new("L", (24, 16), 77)
    items = _all(load_inference_source([str(f), pil_rgba, pil_gray, np.zeros((10, 12, 3), np.uint8)]))
    assert [it[1].shape for it in items] == [(48, 64, 3), (16, 24, 3), (16, 24, 3), (10, 12, 3)]
    assert items[0][0] == str(f) and items[3][0] == "image3.jpg"
    assert tuple(items[1][1][0, 0]) == (0, 0, 255) and tuple(items[2][1][0, 0]) == (77, 77, 77)
    assert np.array_equal(items[0][1], cv2.imread(str(f)))
    with pytest.raises(SourceError, match="source item 1 is a dict"):
        load_inference_source([str(f), {"x": 1}])


def test_tensor_checks():
    ok = load_inference_source(torch.rand(2, 3, 64, 32))
    (paths, t, metas, info), = list(ok)
    assert t.shape == (2, 3, 64, 32) and paths == ["image0.jpg", "image1.jpg"]
    with pytest.raises(SourceError, match=r"values from 0 to 255; expected 0-1"):
        load_inference_source(torch.linspace(0, 255, 64).view(1, 1, 1, 64).expand(1, 3, 64, 64))
    with pytest.raises(SourceError, match=r"shape \(1, 64, 64, 3\); expected BCHW"):
        load_inference_source(torch.rand(1, 64, 64, 3))
    with pytest.raises(SourceError, match="multiples of 32"):
        load_inference_source(torch.rand(1, 3, 50, 64))
    with pytest.raises(SourceError, match="dtype torch.uint8"):
        load_inference_source(torch.zeros(1, 3, 64, 64, dtype=torch.uint8))


def test_video_with_stride(tmp_path):
    v = _video(tmp_path / "clip.avi", n=10, fps=12)
    items = _all(load_inference_source(str(v), vid_stride=3, batch=3))
    assert len(items) == 4  # frames 1, 4, 7, 10
    assert [m["frame"] for _, _, m, _ in items] == [1, 2, 3, 4] and items[0][2]["fps"] == pytest.approx(4.0)
    assert "(frame 2/3)" in items[1][3] and items[1][2]["mode"] == "video"
    assert items[1][1].mean() == pytest.approx(60, abs=6)  # the 4th frame (20 * 3)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty.mp4' is an empty"):
        _all(load_inference_source(str(empty)))


def test_stream_from_a_local_file_keeps_every_frame_when_buffered(tmp_path):
    v = _video(tmp_path / "cam.avi", n=12)
    ds = LoadStreams(str(v), buffer=True)
    frames = [im for _, ims, metas, _ in ds for im in ims]
    assert len(frames) == 12 and not ds.running  # the ended stream was reported and stopped, not hung on
    (tmp_path / "two.streams").write_text(f"{v}\n{v}\n")
    two = LoadStreams(str(tmp_path / "two.streams"), buffer=True, vid_stride=4)
    batches = list(two)
    assert two.bs == 2 and all(len(b[1]) == 2 for b in batches) and len(batches) == 3


def test_stream_that_cannot_open_is_named():
    with pytest.raises(SourceError, match="stream 'rtsp://127.0.0.1:9/none' could not be opened"):
        load_inference_source("rtsp://127.0.0.1:9/none")


class _Server:
    """A loopback HTTP server for one folder, counting GET requests."""

    def __init__(self, folder):
        hits = self.hits = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=str(folder), **k)

            def do_GET(self):
                hits.append(self.path)
                super().do_GET()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_url_downloaded_once_and_refused_offline(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    _img(served / "remote.jpg")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    srv = _Server(served)
    try:
        for _ in range(2):
            (path, im, _, _), = _all(load_inference_source(f"{srv.url}/remote.jpg"))
            assert im.shape == (48, 64, 3)
        assert srv.hits == ["/remote.jpg"]
        monkeypatch.setenv("YOLO_OFFLINE", "1")
        from ultralytics_clone.utils.errors import DownloadError

        with pytest.raises(DownloadError, match="YOLO_OFFLINE"):
            load_inference_source(f"{srv.url}/other.jpg")
    finally:
        srv.close()
