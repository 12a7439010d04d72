"""Trackers on their own (no detector): Kalman filters, association, GMC, tracker YAMLs, and identities measured
with MOTA / IDF1 (motmetrics) on a drawn scene of moving, crossing and occluded shapes with noisy detections."""

from __future__ import annotations

import numpy as np
import pytest
from track_scene import FakeBoxes, make_scene, mot_summary, noisy_detections

from ultralytics_clone.trackers import BOTSORT, BYTETracker
from ultralytics_clone.trackers.config import KEYS, check_tracker_cfg
from ultralytics_clone.trackers.utils import matching
from ultralytics_clone.trackers.utils.gmc import GMC
from ultralytics_clone.trackers.utils.kalman_filter import KalmanFilterXYAH, KalmanFilterXYWH
from ultralytics_clone.utils.errors import ConfigError

TRACKERS = {"bytetrack": BYTETracker, "botsort": BOTSORT}


@pytest.fixture(scope="module")
def scene():
    return make_scene(100)


def run_tracker(name: str, frames: list, dets: list, **cfg) -> list[np.ndarray]:
    """Per frame (id, x1, y1, x2, y2) rows of the tracker's output."""
    tracker = TRACKERS[name](check_tracker_cfg({**vars(check_tracker_cfg(f"{name}.yaml")), **cfg}))
    out = []
    for img, d in zip(frames, dets):
        t = tracker.update(FakeBoxes(d), img)
        assert t.shape[1] == 8
        out.append(np.concatenate([t[:, 4:5], t[:, :4]], 1))
    return out


def id_of(tracks: np.ndarray, box: np.ndarray) -> int | None:
    """The id of the track overlapping `box` (xyxy) best, if any overlaps by IoU > 0.5."""
    if not len(tracks):
        return None
    iou = 1 - matching.iou_distance(box[None], tracks[:, 1:5])[0]
    return int(tracks[iou.argmax(), 0]) if iou.max() > 0.5 else None


# ------------------------------------------------------------------------------------------ identities (MOTA/IDF1)
@pytest.mark.parametrize("name", ["bytetrack", "botsort"])
@pytest.mark.parametrize("seed", [0, 1])
def test_identities_survive_crossing_and_occlusion(scene, name, seed, record_property):
    frames, truth = scene
    tracks = run_tracker(name, frames, noisy_detections(truth, seed=seed))
    s = mot_summary(truth, tracks)
    record_property("mot", s)
    # measured: MOTA 0.88 / 0.84 and IDF1 0.94 / 0.92 for seeds 0 / 1, both trackers, 0 switches
    assert s["switches"] <= 1, s
    assert s["mota"] > 0.75 and s["idf1"] > 0.85, s

    def ids(f):  # ground-truth id -> track id on frame f
        return {int(r[0]): id_of(tracks[f], r[1:5]) for r in truth[f]}

    before, after = ids(15), ids(90)  # objects 1 and 2 cross around frame 45; 3 hides behind the bar ~55-72
    assert before[1] is not None and before[1] == after[1] and before[2] == after[2], (before, after)
    assert before[3] is not None and before[3] == after[3], (before, after)


def test_false_positives_never_become_tracks(scene):
    frames, truth = scene
    dets = noisy_detections(truth, seed=0)
    tracks = run_tracker("bytetrack", frames, dets)
    assert len({int(i) for t in tracks for i in t[:, 0]}) == 4  # one id per object, none for lone false positives


def test_new_track_thresh_and_buffer():
    box = np.array([[10, 10, 50, 50, 0.2, 0]])
    tracker = BYTETracker(check_tracker_cfg("bytetrack.yaml"))
    assert len(tracker.update(FakeBoxes(box))) == 0  # below new_track_thresh: never started
    tracker = BYTETracker(check_tracker_cfg({"tracker_type": "bytetrack", "track_buffer": 3}))
    box[0, 4] = 0.9
    first = tracker.update(FakeBoxes(box))
    for _ in range(3):
        assert len(tracker.update(FakeBoxes(np.zeros((0, 6))))) == 0
    assert len(tracker.lost_stracks) == 1  # still remembered for 3 frames ...
    tracker.update(FakeBoxes(np.zeros((0, 6))))
    assert len(tracker.lost_stracks) == 0 and len(tracker.removed_stracks) == 1  # ... then dropped
    again = tracker.update(FakeBoxes(box))
    again = tracker.update(FakeBoxes(box))
    assert again[0, 4] != first[0, 4]  # a new id after the buffer ran out


def test_output_rows_point_back_to_detections():
    dets = np.array([[100, 100, 140, 140, 0.9, 2], [10, 10, 30, 30, 0.15, 1], [200, 50, 240, 90, 0.8, 0]])
    t = BYTETracker(check_tracker_cfg("bytetrack.yaml")).update(FakeBoxes(dets))
    assert sorted(t[:, 7].astype(int).tolist()) == [0, 2]  # the low-score box starts no track
    for row in t:
        np.testing.assert_allclose(row[:4], dets[int(row[7]), :4], atol=1e-3)
        assert row[6] == dets[int(row[7]), 5] and abs(row[5] - dets[int(row[7]), 4]) < 1e-6


def test_tracker_state_stays_bounded_over_many_frames():
    """1,000 frames of random, mostly short-lived boxes: the lists a tracker keeps do not grow with time."""
    rng = np.random.default_rng(0)
    tracker = BOTSORT(check_tracker_cfg({"tracker_type": "botsort", "gmc_method": "none"}))
    for _ in range(1000):
        xy = rng.uniform(0, 600, (20, 2))
        tracker.update(FakeBoxes(np.concatenate([xy, xy + 30, rng.uniform(0.3, 1, (20, 1)), np.zeros((20, 1))], 1)))
    assert len(tracker.removed_stracks) <= 1000
    assert len(tracker.tracked_stracks) + len(tracker.lost_stracks) < 20 * (tracker.max_frames_lost + 2)


def test_rotated_boxes_keep_their_angle():
    class FakeOBB:
        def __init__(self, rows):
            self.xywhr, self.conf, self.cls = rows[:, :5], rows[:, 5], rows[:, 6]

    tracker = BYTETracker(check_tracker_cfg("bytetrack.yaml"))
    for f in range(5):
        rows = np.array([[50 + 3 * f, 60, 40, 10, 0.5, 0.9, 0], [150, 120 - 2 * f, 30, 12, -0.3, 0.8, 1]])
        out = tracker.update(FakeOBB(rows))
    assert out.shape == (2, 9)  # x, y, w, h, angle, id, score, cls, idx
    by_cls = {int(r[7]): r for r in out}
    assert by_cls[0][5] == 1 and by_cls[1][5] == 2
    np.testing.assert_allclose(by_cls[0][[0, 4]], [62, 0.5], atol=1.0)
    np.testing.assert_allclose(by_cls[1][4], -0.3, atol=1e-6)


# ------------------------------------------------------------------------------------------ Kalman and matching
@pytest.mark.parametrize("kf_cls", [KalmanFilterXYAH, KalmanFilterXYWH])
def test_kalman_batch_equals_one_by_one(kf_cls):
    kf, rng = kf_cls(), np.random.default_rng(0)
    z = np.abs(rng.normal(50, 20, (5, 4))) + 1
    mean, cov = kf.initiate(z)
    mean, cov = kf.multi_predict(mean, cov)
    bm, bc = kf.update(mean, cov, z + 1)
    for i in range(5):
        m, c = kf.update(*kf.predict(*kf.initiate(z[i])), z[i] + 1)
        np.testing.assert_allclose(m, bm[i], rtol=1e-10)
        np.testing.assert_allclose(c, bc[i], rtol=1e-10)
    assert np.all(np.abs(bm[:, :4] - (z + 1)) < np.abs(mean[:, :4] - (z + 1)) + 1e-9)  # pulled toward the measurement
    d = kf.gating_distance(bm[0], bc[0], np.stack([bm[0, :4], bm[0, :4] + 5]))
    assert d.shape == (2,) and d[0] < 1e-9 < d[1]


def test_constant_velocity_is_learned():
    kf = KalmanFilterXYAH()
    mean, cov = kf.initiate(np.array([10, 10, 1, 20.0]))
    for f in range(1, 20):
        mean, cov = kf.predict(mean, cov)
        mean, cov = kf.update(mean, cov, np.array([10 + 2 * f, 10, 1, 20.0]))
    assert abs(mean[4] - 2) < 0.1 and abs(mean[5]) < 0.1


def test_iou_distance_vectorised_matches_pairwise():
    rng = np.random.default_rng(1)
    a = np.concatenate([xy := rng.uniform(0, 100, (7, 2)), xy + rng.uniform(5, 40, (7, 2))], 1)
    b = np.concatenate([xy := rng.uniform(0, 100, (9, 2)), xy + rng.uniform(5, 40, (9, 2))], 1)
    d = matching.iou_distance(a, b)

    def iou(p, q):
        iw = max(0, min(p[2], q[2]) - max(p[0], q[0]))
        ih = max(0, min(p[3], q[3]) - max(p[1], q[1]))
        inter = iw * ih
        return inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter)

    expected = np.array([[1 - iou(p, q) for q in b] for p in a])
    np.testing.assert_allclose(d, expected, atol=1e-5)
    assert matching.iou_distance(a[:0], b).shape == (0, 9)


def test_linear_assignment_respects_threshold():
    cost = np.array([[0.1, 0.9, 0.8], [0.7, 0.2, 0.95]])
    matches, ua, ub = matching.linear_assignment(cost, thresh=0.5, use_lap=False)
    assert matches.tolist() == [[0, 0], [1, 1]] and ua.tolist() == [] and ub.tolist() == [2]
    matches, ua, ub = matching.linear_assignment(cost, thresh=0.15, use_lap=False)
    assert matches.tolist() == [[0, 0]] and ua.tolist() == [1] and ub.tolist() == [1, 2]
    matches, ua, ub = matching.linear_assignment(np.zeros((0, 3)), thresh=0.5)
    assert matches.shape == (0, 2) and ub.tolist() == [0, 1, 2]
    m, _, _ = matching.linear_assignment(cost, thresh=0.5, use_lap=True)  # lap when installed, scipy otherwise
    assert sorted(map(tuple, m.tolist())) == [(0, 0), (1, 1)]


def test_fuse_score_and_embedding_distance():
    class D:
        def __init__(self, score, feat):
            self.score, self.curr_feat, self.smooth_feat = score, np.asarray(feat, float), np.asarray(feat, float)

    dets = [D(0.5, [1, 0]), D(1.0, [0, 1])]
    np.testing.assert_allclose(matching.fuse_score(np.array([[0.2, 0.2]]), dets), [[0.6, 0.2]])
    np.testing.assert_allclose(matching.embedding_distance(dets, dets), [[0, 1], [1, 0]], atol=1e-9)


def test_botsort_appearance_breaks_ambiguity():
    """Two equally overlapping detections: appearance picks the one that looks like the track."""
    cfg = check_tracker_cfg({"tracker_type": "botsort", "with_reid": True, "gmc_method": "none"})
    tracker = BOTSORT(cfg)
    boxes = FakeBoxes(np.array([[100, 100, 140, 140, 0.9, 0]]))
    tracker.update(boxes, feats=np.array([[1.0, 0, 0]]))
    first = tracker.update(boxes, feats=np.array([[1.0, 0, 0]]))
    twins = FakeBoxes(np.array([[96, 100, 136, 140, 0.9, 0], [104, 100, 144, 140, 0.9, 0]]))
    for feats, expected_idx in (([[0, 1.0, 0], [1.0, 0, 0]], 1), ([[1.0, 0, 0], [0, 1.0, 0]], 0)):
        trk = BOTSORT(cfg)
        trk.update(boxes, feats=np.array([[1.0, 0, 0]]))
        trk.update(boxes, feats=np.array([[1.0, 0, 0]]))
        out = trk.update(twins, feats=np.array(feats))
        kept = out[out[:, 4] == first[0, 4]]
        assert len(kept) == 1 and int(kept[0, 7]) == expected_idx


# ------------------------------------------------------------------------------------------------------- GMC
def _texture(seed: int = 0) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.integers(0, 255, (160, 200, 3), dtype=np.uint8), (5, 5), 2)
    for _ in range(40):  # crisp shapes give corner detectors something to hold on to
        x, y, w, h = rng.integers(0, 190), rng.integers(0, 150), rng.integers(4, 20), rng.integers(4, 20)
        cv2.rectangle(img, (int(x), int(y)), (int(x + w), int(y + h)), tuple(int(c) for c in rng.integers(0, 255, 3)), -1)
    return img


@pytest.mark.parametrize("method", ["sparseOptFlow", "orb", "sift", "ecc"])
def test_gmc_measures_camera_shift(method):
    big = _texture()
    prev, cur = big[20:140, 20:180], big[17:137, 24:184]  # the camera moved: content shifts by (-4, +3)
    gmc = GMC(method=method, downscale=1)
    np.testing.assert_allclose(gmc.apply(prev), np.eye(2, 3))  # first frame: identity
    warp = gmc.apply(cur)
    np.testing.assert_allclose(warp[:, :2], np.eye(2), atol=0.05)
    np.testing.assert_allclose(warp[:, 2], [-4, 3], atol=0.7)
    gmc.reset_params()
    np.testing.assert_allclose(gmc.apply(cur), np.eye(2, 3))
    np.testing.assert_allclose(GMC("none").apply(cur), np.eye(2, 3))


def test_botsort_follows_a_panning_camera():
    """The whole scene shifts 6 px per frame: BoT-SORT moves its tracks with the measured camera motion."""
    big = np.tile(_texture(), (3, 3, 1))
    frames = [big[100 : 100 + 160, 100 + 6 * f : 100 + 6 * f + 200].copy() for f in range(8)]
    boxes = [FakeBoxes(np.array([[80 - 6 * f, 60, 110 - 6 * f, 90, 0.9, 0]])) for f in range(8)]
    tracker = BOTSORT(check_tracker_cfg("botsort.yaml"))
    for img, b in zip(frames, boxes):
        out = tracker.update(b, img)
    assert len(out) == 1 and out[0, 4] == 1
    np.testing.assert_allclose(out[0, :4], boxes[-1].xyxy[0], atol=2.0)


# ------------------------------------------------------------------------------------------------ tracker YAMLs
def test_packaged_yamls_hold_every_documented_key():
    bs, bt = vars(check_tracker_cfg("botsort.yaml")), vars(check_tracker_cfg("bytetrack.yaml"))
    assert set(bs) == set(KEYS)
    assert bs == {"tracker_type": "botsort", "track_high_thresh": 0.25, "track_low_thresh": 0.1,
                  "new_track_thresh": 0.25, "track_buffer": 30, "match_thresh": 0.8, "fuse_score": True,
                  "gmc_method": "sparseOptFlow", "proximity_thresh": 0.5, "appearance_thresh": 0.8,
                  "with_reid": False, "model": "auto"}  # fmt: skip
    assert bt == {k: bs[k] for k in bt} | {"tracker_type": "bytetrack"} and len(bt) == 7


def test_user_yaml_with_missing_keys_gets_defaults(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("tracker_type: botsort\ntrack_buffer: 60\nmatch_thresh: 0.9\n")
    cfg = check_tracker_cfg(str(f))
    assert cfg.track_buffer == 60 and cfg.match_thresh == 0.9 and cfg.gmc_method == "sparseOptFlow"


@pytest.mark.parametrize(
    "text, words",
    [
        ("tracker_type: bytetrack\ntrack_bufer: 30\n", ["unknown key 'track_bufer'", "did you mean 'track_buffer'"]),
        ("tracker_type: bytetrack\ntrack_high_thresh: high\n", ["'track_high_thresh: 'high''", "between 0 and 1"]),
        ("tracker_type: bytetrack\ntrack_buffer: 2.5\n", ["'track_buffer: 2.5'", "whole number"]),
        ("tracker_type: bytetrack\nfuse_score: maybe\n", ["'fuse_score: 'maybe''", "True or False"]),
        ("tracker_type: deepsort\n", ["'tracker_type: 'deepsort''", "bytetrack, botsort"]),
        ("track_buffer: 30\n", ["no 'tracker_type' key"]),
        ("tracker_type: botsort\ngmc_method: magic\n", ["'gmc_method: 'magic''", "sparseOptFlow"]),
        ("tracker_type: botsort\nwith_reid: true\nmodel: osnet.pt\n", ["'model: 'osnet.pt''", "model: auto"]),
        ("- a\n- b\n", ["must hold key: value pairs"]),
        ("tracker_type: [unclosed\n", ["could not be read"]),
    ],
)
def test_bad_tracker_yaml_names_file_and_key(tmp_path, text, words):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        check_tracker_cfg(str(f))
    msg = str(e.value)
    assert "bad.yaml" in msg and "\n" not in msg.strip(), msg
    for w in words:
        assert w in msg, msg
