"""Callback registry: the seed's events, unknown-event errors, appending, and engines receiving the facade's callbacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ultralytics_clone.utils import callbacks as cb
from ultralytics_clone.utils.errors import ConfigError, HookError


def _seed_events(seeds_dir) -> dict[str, list[str]]:
    text = next(seeds_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    out = {}
    for kind in ("Trainer", "Validator", "Predictor", "Exporter"):
        start = text.index(f"#### {kind} Callbacks")
        block = text[start : text.index("###", start + 10)]
        out[kind] = re.findall(r"^\|`(\w+)`\|", block, flags=re.M)
    return out


def test_every_seed_event_is_registered(facts_dir):
    seed = _seed_events(facts_dir.parents[1] / "seeds")
    assert [len(seed[k]) for k in ("Trainer", "Validator", "Predictor", "Exporter")] == [14, 4, 5, 2]
    assert set(cb.TRAINER_EVENTS) == set(seed["Trainer"])
    assert set(cb.VALIDATOR_EVENTS) == set(seed["Validator"])
    assert set(cb.PREDICTOR_EVENTS) == set(seed["Predictor"])
    assert set(cb.EXPORTER_EVENTS) == set(seed["Exporter"])
    registry = cb.default_callbacks()
    assert set(registry) == set(cb.EVENTS) and len(cb.EVENTS) == 25 and all(v == [] for v in registry.values())


def test_unknown_event_lists_valid_ones():
    with pytest.raises(ConfigError) as err:
        cb.check_event("on_train_begin")
    assert "on_train_begin" in str(err.value) and "on_train_start" in str(err.value) and "teardown" in str(err.value)
    with pytest.raises(HookError):
        cb.add_callback(cb.default_callbacks(), "on_train_start", "not callable")


class Engine(cb.CallbackMixin):
    def __init__(self, _callbacks=None):
        self._init_callbacks(_callbacks)


def test_mixin_appends_runs_in_order_and_clears():
    calls = []
    facade = cb.default_callbacks()
    cb.add_callback(facade, "on_train_start", lambda e: calls.append(("facade", e)))
    engine = Engine(facade)
    engine.add_callback("on_train_start", lambda e: calls.append(("engine", e)))
    engine.run_callbacks("on_train_start")
    assert calls == [("facade", engine), ("engine", engine)]
    assert engine.callbacks is facade  # shared, as in Ultralytics: later additions on the facade reach the engine
    cb.add_callback(facade, "on_train_end", lambda e: calls.append("late"))
    engine.run_callbacks("on_train_end")
    assert calls[-1] == "late"
    calls.pop()
    engine.set_callback("on_train_start", lambda e: calls.append("only"))
    engine.run_callbacks("on_train_start")
    assert calls[-1] == "only"
    engine.clear_callback("on_train_start")
    engine.run_callbacks("on_train_start")
    assert len(calls) == 3
    with pytest.raises(ConfigError):
        engine.add_callback("on_fit_end", print)


def test_callbacks_added_on_yolo_reach_the_engines_it_creates(tmp_path):
    from ultralytics_clone import YOLO
    from ultralytics_clone.data.checks import check_det_dataset
    from ultralytics_clone.models.yolo.detect import DetectionTrainer

    model = YOLO("yolo11n.yaml")
    saved = model.save(tmp_path / "start.pt")
    seen: dict[str, list] = {}

    def record(event):
        return lambda engine: seen.setdefault(event, []).append(engine)

    for event in ("on_train_start", "on_val_start", "on_val_end", "on_predict_start", "on_predict_end"):
        model.add_callback(event, record(event))

    class RecordingTrainer(DetectionTrainer):
        def train(self):  # only what matters here: the facade's callbacks are in this trainer's registry
            self.run_callbacks("on_train_start")
            self.best = self.last = saved

    model.train(trainer=RecordingTrainer, data="shapes-det.yaml", epochs=1, imgsz=64, workers=0)
    assert isinstance(seen["on_train_start"][0], RecordingTrainer)
    model.val(data="shapes-det.yaml", imgsz=64, batch=8, workers=0)
    assert type(seen["on_val_start"][0]).__name__ == "DetectionValidator" and seen["on_val_end"]
    image = sorted((Path(check_det_dataset("shapes-det.yaml")["val"])).glob("*.jpg"))[0]
    model.predict(image, imgsz=64)
    assert type(seen["on_predict_start"][0]).__name__ == "DetectionPredictor" and seen["on_predict_end"]
    late = []
    model.add_callback("on_predict_end", late.append)  # added after the predictor exists: still reaches it
    model.predict(image, imgsz=64)
    assert len(late) == 1 and late[0] is model.predictor
