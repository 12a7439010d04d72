"""Track mode end to end: model.track / `yolo track` on drawn videos with the fixture detector (yolo11n.pt)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from track_scene import make_scene, mot_summary

from ultralytics_clone import YOLO
from ultralytics_clone.engine.results import Results
from ultralytics_clone.trackers import BYTETracker
from ultralytics_clone.trackers.track import on_predict_postprocess_end, on_predict_start
from ultralytics_clone.utils.errors import ConfigError

FPS = 25


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: much faster than two on a busy shared machine; restored afterwards."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def write_video(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def read_video(path: Path) -> list[np.ndarray]:
    cap, frames = cv2.VideoCapture(str(path)), []
    while (ok_frame := cap.read())[0]:
        frames.append(ok_frame[1])
    cap.release()
    return frames


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    frames, truth = make_scene(100)
    return write_video(tmp_path_factory.mktemp("track") / "scene.mp4", frames), truth


@pytest.fixture(scope="module")
def short_video(scene, tmp_path_factory):
    frames = read_video(scene[0])[30:50]  # includes the start of the crossing
    return write_video(tmp_path_factory.mktemp("track") / "short.mp4", frames)


@pytest.fixture
def model(fixtures_dir):
    return YOLO(fixtures_dir / "yolo11n.pt")


def ids_and_boxes(results: list[Results]) -> list[np.ndarray]:
    return [np.concatenate([r.boxes.id.numpy()[:, None], r.boxes.xyxy.numpy()], 1) for r in results]


def test_track_video_end_to_end(model, scene, record_property):
    video, truth = scene
    results = model.track(str(video), imgsz=256, verbose=False)  # BoT-SORT, the default
    assert len(results) == len(truth)
    assert all(r.boxes.is_track and r.boxes.id is not None for r in results)
    tracks = ids_and_boxes(results)
    s = mot_summary(truth, tracks)
    record_property("mot", s)  # a real detector: the circle hidden under the square at the crossing may get a new id

    from test_trackers import id_of

    def ident(obj, f):
        return id_of(tracks[f], truth[f][truth[f][:, 0] == obj][0, 1:5])

    assert ident(2, 10) is not None and ident(2, 10) == ident(2, 90)  # the square, on top while crossing
    assert ident(4, 10) is not None and ident(4, 10) == ident(4, 90)  # the circle far from the others
    assert ident(1, 10) is not None and ident(1, 10) == ident(1, 35)  # the other circle, until the crossing
    assert len({ident(o, 10) for o in (1, 2, 4)}) == 3


def test_persist_per_frame_equals_one_streamed_call(model, fixtures_dir, short_video):
    streamed = ids_and_boxes(list(model.track(str(short_video), imgsz=256, tracker="bytetrack.yaml", stream=True,
                                              verbose=False)))  # fmt: skip
    other = YOLO(fixtures_dir / "yolo11n.pt")
    per_frame = [other.track(f, imgsz=256, tracker="bytetrack.yaml", persist=True, verbose=False)[0]
                 for f in read_video(short_video)]  # fmt: skip
    per_frame = ids_and_boxes(per_frame)
    assert len(per_frame) == len(streamed) == 20 and sum(len(t) for t in streamed) > 20
    for a, b in zip(per_frame, streamed):
        np.testing.assert_allclose(a, b, atol=1e-4)
    again = ids_and_boxes(model.track(str(short_video), imgsz=256, tracker="bytetrack.yaml", verbose=False))
    np.testing.assert_allclose(again[-1], streamed[-1], atol=1e-4)  # persist=False: ids start afresh


def test_user_callbacks_still_run_and_predict_is_untracked_afterwards(model, short_video):
    seen = {"start": 0, "post": 0, "tracked": 0}

    def post(p):
        seen["post"] += 1

    def batch_end(p):
        seen["tracked"] += all(r.boxes.is_track for r in p.results)

    model.add_callback("on_predict_start", lambda p: seen.__setitem__("start", seen["start"] + 1))
    model.add_callback("on_predict_postprocess_end", post)
    model.add_callback("on_predict_batch_end", batch_end)
    results = model.track(str(short_video), imgsz=256, verbose=False)
    assert seen == {"start": 1, "post": 20, "tracked": 20} and len(results) == 20
    assert not model.predict(str(short_video), imgsz=256, verbose=False)[0].boxes.is_track


def test_plot_labels_carry_ids(model, short_video, monkeypatch):
    from ultralytics_clone.utils import plotting

    labels = []
    original = plotting.Annotator.box_label
    monkeypatch.setattr(plotting.Annotator, "box_label",
                        lambda self, box, label="", *a, **k: labels.append(label) or original(self, box, label, *a, **k))  # fmt: skip
    r = model.track(str(short_video), imgsz=256, verbose=False)[-1]
    r.plot()
    ids = [int(i) for i in r.boxes.id]
    assert labels and sorted(label.split()[0] for label in labels) == sorted(f"id:{i}" for i in ids)


def test_with_reid_uses_the_detectors_features(model, short_video, tmp_path):
    cfg = tmp_path / "reid.yaml"
    cfg.write_text("tracker_type: botsort\nwith_reid: True\n")
    results = model.track(str(short_video), imgsz=256, tracker=str(cfg), verbose=False)
    assert all(r.boxes.is_track for r in results)
    tracker = model.predictor.trackers[0]
    feats = [t.smooth_feat for t in tracker.tracked_stracks]
    assert feats and all(f is not None and abs(np.linalg.norm(f) - 1) < 1e-6 for f in feats)


def test_stream_memory_stays_flat(model, tmp_path):
    """1,000 frames streamed at a tiny size: memory after frame 1,000 is what it was after frame 200."""
    import psutil

    frames = []
    for f in range(1000):
        im = np.full((64, 64, 3), 120, np.uint8)
        cv2.circle(im, (12 + f % 40, 32), 9, (0, 0, 255), -1)
        frames.append(im)
    video = write_video(tmp_path / "long.mp4", frames, fps=30)
    del frames
    rss, proc = {}, psutil.Process()
    for i, r in enumerate(model.track(str(video), imgsz=32, stream=True, tracker="bytetrack.yaml", verbose=False)):
        assert r.boxes.is_track
        if i in (199, 999):
            rss[i] = proc.memory_info().rss
    assert set(rss) == {199, 999}
    assert rss[999] - rss[199] < 25e6, f"memory grew by {(rss[999] - rss[199]) / 1e6:.1f} MB over 800 frames"
    tracker = model.predictor.trackers[0]
    assert len(tracker.removed_stracks) <= 1000 and len(tracker.tracked_stracks) + len(tracker.lost_stracks) < 100


def test_one_tracker_per_stream():
    """Stream sources (several cameras in one batch): each stream has its own tracker and ids."""
    pred = SimpleNamespace(args=SimpleNamespace(mode="track", tracker="bytetrack.yaml", task="detect"),
                           dataset=SimpleNamespace(mode="stream", bs=2), stride=32)  # fmt: skip
    on_predict_start(pred)
    assert len(pred.trackers) == 2 and all(isinstance(t, BYTETracker) for t in pred.trackers)
    img = np.zeros((100, 100, 3), np.uint8)
    for _ in range(3):
        boxes = [torch.tensor([[10.0, 10, 40, 40, 0.9, 0]]), torch.tensor([[50.0, 50, 90, 90, 0.9, 1], [5, 60, 30, 90, 0.8, 0]])]
        pred.results = [Results(img, path=f"rtsp://cam{k}", names={0: "a", 1: "b"}, boxes=b) for k, b in enumerate(boxes)]
        on_predict_postprocess_end(pred)
    assert [len(r.boxes) for r in pred.results] == [1, 2]
    assert pred.trackers[0].frame_id == pred.trackers[1].frame_id == 3
    ids0, ids1 = set(pred.results[0].boxes.id.tolist()), set(pred.results[1].boxes.id.tolist())
    assert len(ids0) == 1 and len(ids1) == 2 and not ids0 & ids1 and pred.results[0].boxes.cls.tolist() == [0.0]


def test_bad_tracker_yaml_fails_before_predicting(model, tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("tracker_type: bytetrack\nmatch_thresh: 2\n")
    with pytest.raises(ConfigError, match=r"mine\.yaml.*'match_thresh: 2'.*between 0 and 1"):
        model.track(np.zeros((64, 64, 3), np.uint8), tracker=str(bad))
    with pytest.raises(ConfigError, match="classify model"):
        YOLO("yolo11n-cls.yaml").track(np.zeros((64, 64, 3), np.uint8))


def _cli(args: list[str], env: dict) -> subprocess.CompletedProcess:
    env = {**env, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "ultralytics_clone.cfg.cli", *args], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip


def test_cli_bad_tracker_yaml(subprocess_env, tmp_path, fixtures_dir, short_video):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tracker_type: bytetrack\ntrack_bufer: 10\n")
    r = _cli(["track", f"model={fixtures_dir / 'yolo11n.pt'}", f"source={short_video}", f"tracker={bad}"], subprocess_env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad.yaml" in r.stderr and "unknown key 'track_bufer'" in r.stderr and "track_buffer" in r.stderr


def _fake_predictor(tracker: str = "bytetrack.yaml") -> SimpleNamespace:
    pred = SimpleNamespace(args=SimpleNamespace(mode="track", tracker=tracker, task="detect"),
                           dataset=SimpleNamespace(mode="video", bs=1), stride=32)  # fmt: skip
    on_predict_start(pred)
    return pred


def test_masks_and_keypoints_follow_their_boxes():
    """Segment / pose results: after tracking, row k's mask and keypoints still belong to row k's box."""
    pred, img = _fake_predictor(), np.zeros((120, 160, 3), np.uint8)
    boxes = torch.tensor([[10.0, 10, 40, 40, 0.9, 0], [100, 60, 140, 100, 0.15, 0], [60, 20, 90, 50, 0.8, 1]])
    masks = torch.zeros(3, 120, 160)
    kpts = torch.zeros(3, 4, 3)
    for k, (x1, y1, x2, y2) in enumerate(boxes[:, :4].int().tolist()):
        masks[k, y1:y2, x1:x2] = 1
        kpts[k, :, 0], kpts[k, :, 1], kpts[k, :, 2] = x1 + k, y1, 1
    for _ in range(3):
        pred.results = [Results(img, path="v.mp4", names={0: "a", 1: "b"}, boxes=boxes, masks=masks, keypoints=kpts)]
        on_predict_postprocess_end(pred)
    r = pred.results[0]
    assert r.boxes.is_track and len(r) == 2  # the low-score box starts no track
    for k in range(len(r)):
        x1, y1, x2, y2 = r.boxes.xyxy[k].round().int().tolist()
        m = r.masks.data[k]
        assert m[y1:y2, x1:x2].all() and m.sum() == (x2 - x1) * (y2 - y1)
        assert r.keypoints.data[k, 0, 1] == y1 and r.keypoints.data[k, 0, 0] - x1 in (0, 2)


def test_obb_results_are_tracked_as_rotated_boxes():
    pred, img = _fake_predictor(), np.zeros((200, 200, 3), np.uint8)
    for f in range(4):
        obb = torch.tensor([[50.0 + 2 * f, 60, 40, 12, 0.4, 0.9, 0], [140, 120 - 2 * f, 30, 10, -0.2, 0.8, 0]])
        pred.results = [Results(img, path="aerial.mp4", names={0: "plate"}, obb=obb)]
        on_predict_postprocess_end(pred)
    r = pred.results[0]
    assert r.obb.is_track and r.obb.data.shape == (2, 8) and r.obb.id.tolist() == [1.0, 2.0]
    np.testing.assert_allclose(r.obb.xywhr[:, 4].numpy(), [0.4, -0.2], atol=1e-6)
    np.testing.assert_allclose(r.obb.xywhr[0, :2].numpy(), [56, 60], atol=1.0)


@pytest.mark.parametrize("name, task", [("yolo11n-seg", "segment"), ("yolo11n-pose", "pose"), ("yolo11n-obb", "obb")])
def test_task_models_track_with_their_outputs(name, task, fixtures_dir, tmp_path):
    """Segment, pose and OBB checkpoints track too; masks / keypoints stay with their boxes, OBB stays rotated.
    (These fixture checkpoints are briefly trained and score low, hence low thresholds and no score fusion.)"""
    cfg = tmp_path / "low.yaml"
    cfg.write_text("tracker_type: bytetrack\ntrack_high_thresh: 0.001\ntrack_low_thresh: 0.0005\nnew_track_thresh: 0.001\nfuse_score: False\n")
    im = cv2.imread(str(fixtures_dir / f"sample_{task}.jpg"))
    model = YOLO(fixtures_dir / f"{name}.pt")
    for _ in range(3):
        r = model.track(im, imgsz=256, conf=0.001, max_det=10, tracker=str(cfg), persist=True, verbose=False)[0]
    view = r.obb if task == "obb" else r.boxes
    assert len(view) > 0 and view.is_track and view.id is not None
    if task == "segment":
        assert r.masks is not None and len(r.masks) == len(view)
    elif task == "pose":
        assert r.keypoints is not None and len(r.keypoints) == len(view)
    else:
        assert r.boxes is None and view.data.shape[1] == 8



def test_cli_track_writes_an_annotated_video(subprocess_env, tmp_path, fixtures_dir, short_video):
    r = _cli(["track", f"model={fixtures_dir / 'yolo11n.pt'}", f"source={short_video}", "imgsz=256",
              f"project={tmp_path}", "name=run", "tracker=bytetrack.yaml"], subprocess_env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    videos = [p for p in (tmp_path / "run").iterdir() if p.suffix.lower() in {".avi", ".mp4", ".mkv"}]
    assert len(videos) == 1, list((tmp_path / "run").iterdir())
    cap = cv2.VideoCapture(str(videos[0]))
    n, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    assert n == 20 and abs(fps - FPS) < 0.01
    assert len(read_video(videos[0])) == 20


def test_one_tracker_per_stream_with_real_streams(model, scene, tmp_path):
    """Two video files read as live streams (a .streams list) in one batch: each stream gets its own tracker. Both
    show the same pictures, so a shared tracker would hand stream A's ids to B's objects; here each stream's ids
    follow the objects exactly as a tracker on that video alone does, and no id appears in both streams."""
    frames = read_video(scene[0])[:12]
    a, b = write_video(tmp_path / "a.mp4", frames), write_video(tmp_path / "b.mp4", frames)
    (tmp_path / "two.streams").write_text(f"{a}\n{b}\n")
    solo = ids_and_boxes(model.track(str(a), imgsz=160, tracker="bytetrack.yaml", verbose=False))
    per_stream: dict[str, list[np.ndarray]] = {}
    for r in model.track(str(tmp_path / "two.streams"), imgsz=160, tracker="bytetrack.yaml", stream=True,
                         stream_buffer=True, verbose=False):  # fmt: skip
        per_stream.setdefault(r.path, []).extend(ids_and_boxes([r]))
    assert set(per_stream) == {str(a), str(b)} and all(len(v) == 12 for v in per_stream.values())
    trackers = model.predictor.trackers
    assert len(trackers) == 2 and trackers[0] is not trackers[1] and [t.frame_id for t in trackers] == [12, 12]

    from test_trackers import id_of

    seen = []
    for tracks in per_stream.values():
        pairs = set()  # (id on the video alone, id in this stream) for every tracked box
        for alone, here in zip(solo, tracks):
            assert len(here) == len(alone) >= 2
            pairs |= {(id_of(alone, row[1:5]), int(row[0])) for row in here}
        solo_ids, stream_ids = zip(*pairs)
        assert None not in solo_ids and len(set(solo_ids)) == len(set(stream_ids)) == len(pairs), pairs  # one to one
        seen.append(set(stream_ids))
    assert seen[0].isdisjoint(seen[1]), seen
