"""MLflow logger: the run's arguments as params, metrics per epoch and the run folder's files as artifacts.

Active when the `mlflow` package is installed and the `mlflow` setting is on. Offline: without MLFLOW_TRACKING_URI
the tracking store is a local folder, `<run folder>/mlruns`; MLFLOW_EXPERIMENT_NAME and MLFLOW_RUN name the
experiment (default: the project folder's name) and the run (default: the run folder's name).
"""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Any

from ultralytics_clone.utils import LOGGER, RANK

_runs: dict[int, Any] = {}  # the active mlflow module per trainer (by id) while it trains


def active_callbacks() -> dict:
    """This module's callbacks when the package is installed and the setting is on; {} otherwise."""
    from ultralytics_clone.utils.settings import SETTINGS

    if not SETTINGS.get("mlflow") or importlib.util.find_spec("mlflow") is None:
        return {}
    return {"on_pretrain_routine_end": on_pretrain_routine_end, "on_fit_epoch_end": on_fit_epoch_end,
            "on_train_end": on_train_end, "teardown": teardown}  # fmt: skip


def _key(k: str) -> str:
    """MLflow keys allow letters, digits, _ - . / and spaces: 'metrics/mAP50(B)' -> 'metrics/mAP50B'."""
    return re.sub(r"[^\w\-./ ]", "", k)


def on_pretrain_routine_end(trainer: Any) -> None:
    if RANK not in {-1, 0}:
        return
    import mlflow

    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:  # a plain folder store; MLflow 3 asks for this opt-in before it writes one
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        uri = (trainer.save_dir / "mlruns").resolve().as_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(os.environ.get("MLFLOW_EXPERIMENT_NAME") or trainer.save_dir.parent.name or "ultralytics")
    if mlflow.active_run() is None:
        mlflow.start_run(run_name=os.environ.get("MLFLOW_RUN") or trainer.save_dir.name)
    mlflow.log_params({k: str(v)[:500] for k, v in vars(trainer.args).items()})
    _runs[id(trainer)] = mlflow
    LOGGER.info(f"MLflow: logging to {uri}")


def on_fit_epoch_end(trainer: Any) -> None:
    mlflow = _runs.get(id(trainer))
    if mlflow is None:
        return
    values = {**trainer.label_loss_items(trainer.tloss), **(trainer.metrics or {}), **getattr(trainer, "lr", {})}
    metrics = {}
    for k, v in values.items():
        try:
            metrics[_key(k)] = float(v)
        except (TypeError, ValueError):
            continue
    mlflow.log_metrics(metrics, step=trainer.epoch + 1)


def on_train_end(trainer: Any) -> None:
    mlflow = _runs.get(id(trainer))
    if mlflow is None:
        return
    for f in trainer.save_dir.iterdir():
        if f.is_file() and f.suffix in {".png", ".jpg", ".csv", ".yaml"}:
            mlflow.log_artifact(str(f))
    if trainer.best.exists():
        mlflow.log_artifact(str(trainer.best), artifact_path="weights")


def teardown(trainer: Any) -> None:
    mlflow = _runs.pop(id(trainer), None)
    if mlflow is not None:
        mlflow.end_run()


__all__ = ["active_callbacks"]
