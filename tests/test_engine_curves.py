"""Plots of a training run (results.png, labels.jpg, train_batch0..2.jpg) and the offline experiment loggers
(TensorBoard event files, an MLflow run in a local store under the run folder)."""

from __future__ import annotations

import cv2
import pytest

from ultralytics_clone import YOLO
from ultralytics_clone.engine import curves
from ultralytics_clone.utils.settings import SETTINGS

TINY = dict(data="shapes-det.yaml", imgsz=32, batch=4, nbs=4, fraction=0.5, epochs=1, workers=0)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One epoch of 4 batches with plots on and both loggers switched on in settings."""
    project = tmp_path_factory.mktemp("runs")
    old = {k: SETTINGS[k] for k in ("tensorboard", "mlflow")}
    SETTINGS.update(tensorboard=True, mlflow=True)
    try:
        model = YOLO("yolo11n.yaml")
        model.train(plots=True, project=str(project), name="p", **TINY)
    finally:
        SETTINGS.update(**old)
    return model.trainer


@pytest.mark.parametrize("name", ["results.png", "labels.jpg", "train_batch0.jpg", "train_batch1.jpg",
                                  "train_batch2.jpg"])  # fmt: skip
def test_each_plot_is_present_and_not_blank(run, name):
    im = cv2.imread(str(run.save_dir / name))
    assert im is not None and min(im.shape[:2]) >= 200, name
    colours = {tuple(p) for p in im.reshape(-1, 3)[::97].tolist()}
    assert im.std() > 10 and len(colours) > 20, name  # drawn, not a blank or flat canvas


def test_tensorboard_writes_scalars_offline(run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = list(run.save_dir.glob("events.out.tfevents.*"))
    assert len(files) == 1
    acc = EventAccumulator(str(files[0])).Reload()
    tags = acc.Tags()["scalars"]
    assert {"train/box_loss", "metrics/mAP50(B)", "lr/pg0"} <= set(tags)
    assert {e.step for e in acc.Scalars("train/box_loss")} == {1}  # the epoch, and again after final_eval
    assert "results" in acc.Tags()["images"]


def test_mlflow_run_in_a_local_store_under_the_run_folder(run):
    import os

    import mlflow

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 asks for this to read a folder store
    store = run.save_dir / "mlruns"
    assert store.is_dir()
    client = mlflow.tracking.MlflowClient(tracking_uri=store.resolve().as_uri())
    runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]
    assert len(runs) == 1 and runs[0].info.run_name == run.save_dir.name and runs[0].info.status == "FINISHED"
    data = runs[0].data
    assert data.params["imgsz"] == "32" and "metrics/mAP50B" in data.metrics and "train/box_loss" in data.metrics
    arts = {a.path for a in client.list_artifacts(runs[0].info.run_id)}
    assert {"results.csv", "results.png", "weights"} <= arts


def test_loggers_stay_off_when_their_setting_is_off(tmp_path):
    from ultralytics_clone.models.yolo.detect import DetectionTrainer
    from ultralytics_clone.utils.callbacks import mlflow as mlflow_cb
    from ultralytics_clone.utils.callbacks import tensorboard as tb_cb

    assert SETTINGS["tensorboard"] is False and tb_cb.active_callbacks() == {} == mlflow_cb.active_callbacks()
    SETTINGS.update(tensorboard=True)
    try:
        t = DetectionTrainer(overrides={"model": "yolo11n.yaml", "project": str(tmp_path)})
        t2 = DetectionTrainer(overrides={"model": "yolo11n.yaml", "project": str(tmp_path)}, _callbacks=t.callbacks)
    finally:
        SETTINGS.update(tensorboard=False)
    assert t2.callbacks["on_fit_epoch_end"].count(tb_cb.on_fit_epoch_end) == 1  # a shared registry gets it once


def test_results_png_from_a_csv(tmp_path):
    csv = tmp_path / "results.csv"
    csv.write_text("epoch,time,train/box_loss,metrics/mAP50(B)\n" + "".join(f"{e},{e},{2 / e},{e / 10}\n" for e in range(1, 11)))
    out = curves.plot_results(csv)
    im = cv2.imread(str(out))
    assert out == tmp_path / "results.png" and im is not None and im.std() > 10
