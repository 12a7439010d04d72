"""Training: the quickstart's files, the order events fire in, resume, seed-003 overrides, failure paths, helpers."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.engine import optim
from ultralytics_clone.engine.checkpoint import CKPT_KEYS, load_checkpoint_dict
from ultralytics_clone.engine.overrides import call_override
from ultralytics_clone.engine.run_log import EarlyStopping, RunLog, TimeBudget
from ultralytics_clone.engine.trainer import NonFiniteLossError
from ultralytics_clone.models.yolo.detect import DetectionTrainer
from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.utils.callbacks import TRAINER_EVENTS, VALIDATOR_EVENTS
from ultralytics_clone.utils.errors import CheckpointError, ConfigError, HookError

TINY = {"data": "shapes-det.yaml", "imgsz": 64, "batch": 8, "workers": 0, "plots": False}
OPT_EVENTS = ("optimizer_step", "on_before_zero_grad", "on_params_update")


def _record(model_or_trainer, events) -> list[str]:
    fired: list[str] = []
    for event in events:
        model_or_trainer.add_callback(event, lambda engine, e=event: fired.append(e))
    return fired


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """YOLO('yolo11n.yaml').train(...) for 2 epochs with every trainer and validator event recorded."""
    project = tmp_path_factory.mktemp("runs")
    model = YOLO("yolo11n.yaml")
    fired = _record(model, TRAINER_EVENTS + VALIDATOR_EVENTS)
    metrics = model.train(epochs=2, save_period=1, project=str(project), name="qs", **TINY)
    return model, metrics, fired


def test_quickstart_writes_run_files(quickstart):
    model, metrics, _ = quickstart
    trainer = model.trainer
    wdir = trainer.save_dir / "weights"
    for f in ("last.pt", "best.pt", "epoch0.pt", "epoch1.pt"):
        assert (wdir / f).is_file(), f
    assert (trainer.save_dir / "args.yaml").is_file()
    rows = list(csv.DictReader(open(trainer.save_dir / "results.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    for key in ("train/box_loss", "train/cls_loss", "train/dfl_loss", "metrics/mAP50-95(B)", "val/box_loss", "lr/pg0"):
        assert key in rows[0] and math.isfinite(float(rows[0][key])), key
    ckpt = load_checkpoint_dict(trainer.best)
    assert set(CKPT_KEYS) <= set(ckpt) and ckpt["optimizer"] is None  # stripped at the end
    assert ckpt["train_args"]["epochs"] == 2 and ckpt["train_results"]["epoch"] == [1, 2]
    assert list(metrics.results_dict)[-1] == "fitness" and trainer.best_fitness is not None
    assert model.ckpt_path == str(trainer.best)  # the facade reloaded best.pt
    assert trainer.last.stat().st_size > 1e6 and trainer.epoch == 1


def test_events_fire_in_documented_order(quickstart):
    fired = quickstart[2]
    # the step events come as one triple inside a batch, after the backward pass
    kept, in_batch = [], False
    for k, e in enumerate(fired):
        if e == "on_train_batch_start":
            in_batch = True
        elif e == "on_train_batch_end":
            in_batch = False
        if e == "optimizer_step":
            assert in_batch and fired[k : k + 3] == list(OPT_EVENTS)
        if e not in OPT_EVENTS and e not in {"on_val_batch_start", "on_val_batch_end"}:
            kept.append(e)
    assert fired.count("optimizer_step") >= 4  # every batch steps during warmup (accumulate ramps from 1)
    val = ["on_val_start", "on_val_end"]
    epoch = ["on_train_epoch_start", *["on_train_batch_start", "on_train_batch_end"] * 4, "on_train_epoch_end",
             *val, "on_model_save", "on_fit_epoch_end"]  # fmt: skip
    expected = ["on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_start", *epoch, *epoch,
                *val, "on_fit_epoch_end", "on_train_end", "teardown"]  # fmt: skip
    assert kept == expected
    assert fired.count("on_val_batch_start") == fired.count("on_val_batch_end") == 3  # 16 images, val batch 16


def test_resume_continues_at_next_epoch(tmp_path):
    model = YOLO("yolo11n.yaml")

    def interrupt(trainer):  # Ctrl-C in the middle of the second epoch
        if trainer.epoch == 1:
            raise KeyboardInterrupt

    model.add_callback("on_train_batch_end", interrupt)
    teardown = _record(model, ["teardown"])
    with pytest.raises(KeyboardInterrupt):
        model.train(epochs=2, close_mosaic=1, project=str(tmp_path), name="r", **TINY)
    last = tmp_path / "r" / "weights" / "last.pt"
    ckpt = load_checkpoint_dict(last)
    assert ckpt["epoch"] == 0 and ckpt["optimizer"] is not None and teardown == ["teardown"]

    resumed = YOLO(last)
    epochs = []
    resumed.add_callback("on_train_epoch_start", lambda t: epochs.append(t.epoch))
    resumed.train(resume=True)
    trainer = resumed.trainer
    assert trainer.start_epoch == 1 and epochs == [1] and trainer.save_dir == tmp_path / "r"
    assert trainer.args.imgsz == 64 and trainer._mosaic_closed  # args came back from the checkpoint
    assert list(trainer.read_results_csv()["epoch"]) == [1, 2]
    with pytest.raises(CheckpointError, match="cannot be resumed"):  # finished: optimizer stripped
        YOLO(last).train(resume=True)


# ------------------------------------------------------------------------------------------- seed 003 overrides
class Seed003Trainer(DetectionTrainer):
    """Several seed-003 customisations at once: validate() F1, per-layer AdamW, save by mAP50, freeze/unfreeze,
    and a seed 000-002 style get_model(cfg, weights) without `verbose`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.best_map50 = -1.0
        self.calls = {"validate": 0, "save_model": 0, "get_model": 0}
        self.add_callback("on_train_epoch_start", _unfreeze_backbone)

    def get_model(self, cfg, weights):
        self.calls["get_model"] += 1
        model = DetectionModel(cfg, nc=self.data["nc"], verbose=False)
        if weights:
            model.load(weights)
        return model

    def validate(self):
        metrics, fitness = super().validate()
        self.calls["validate"] += 1
        box = self.validator.metrics.box
        self.mean_f1 = float(np.mean(box.f1)) if len(box.f1) else 0.0
        return metrics, fitness

    def build_optimizer(self, model, name="auto", lr=0.001, momentum=0.9, decay=1e-5, iterations=1e5):
        from ultralytics_clone.utils.torch_utils import unwrap_model

        backbone, head = [], []
        for k, v in unwrap_model(model).named_parameters():
            (backbone if any(k.startswith(f"model.{i}.") for i in range(10)) else head).append(v)
        return torch.optim.AdamW([{"params": backbone, "lr": lr * 0.1, "weight_decay": decay},
                                  {"params": head, "lr": lr, "weight_decay": decay}])  # fmt: skip

    def save_model(self):
        import io
        from copy import deepcopy
        from datetime import datetime

        from ultralytics_clone import __version__
        from ultralytics_clone.utils.torch_utils import convert_optimizer_state_dict_to_fp16, unwrap_model

        self.calls["save_model"] += 1
        current_map50 = self.metrics.get("metrics/mAP50(B)", 0.0)
        buffer = io.BytesIO()
        torch.save({"epoch": self.epoch, "best_fitness": self.best_fitness, "model": None,
                    "ema": deepcopy(unwrap_model(self.ema.ema)).half(), "updates": self.ema.updates,
                    "optimizer": convert_optimizer_state_dict_to_fp16(deepcopy(self.optimizer.state_dict())),
                    "scaler": self.scaler.state_dict(), "train_args": vars(self.args),
                    "train_metrics": {**self.metrics, **{"fitness": self.fitness}},
                    "train_results": self.read_results_csv(), "date": datetime.now().isoformat(),
                    "version": __version__}, buffer)  # fmt: skip
        data = buffer.getvalue()
        self.wdir.mkdir(parents=True, exist_ok=True)
        self.last.write_bytes(data)
        if current_map50 > self.best_map50:
            self.best_map50 = current_map50
            self.best.write_bytes(data)


def _unfreeze_backbone(trainer):
    if trainer.epoch == 1:  # FREEZE_EPOCHS = 1
        for _, param in trainer.model.named_parameters():
            param.requires_grad = True
        trainer.freeze_layer_names = [".dfl"]


def test_seed003_overrides(tmp_path):
    model = YOLO("yolo11n.yaml")
    snapshots, frozen = {}, []

    def snap(trainer):
        snapshots[trainer.epoch] = trainer.model.model[0].conv.weight.detach().clone()
        frozen.append(sum(not p.requires_grad for p in trainer.model.parameters()))

    model.add_callback("on_train_epoch_end", snap)
    model.add_callback("on_pretrain_routine_end", lambda t: snapshots.setdefault("start", t.model.model[0].conv.weight.detach().clone()))
    model.train(trainer=Seed003Trainer, epochs=2, freeze=10, project=str(tmp_path), name="s", **TINY)
    t = model.trainer
    assert isinstance(t, Seed003Trainer) and t.calls == {"validate": 2, "save_model": 2, "get_model": 1}
    assert isinstance(t.optimizer, torch.optim.AdamW) and len(t.optimizer.param_groups) == 2
    assert t.optimizer.param_groups[0]["initial_lr"] == pytest.approx(0.1 * t.optimizer.param_groups[1]["initial_lr"])
    assert 0.0 <= t.mean_f1 <= 1.0 and t.last.is_file() and t.best.is_file()
    assert torch.equal(snapshots["start"], snapshots[0])  # layer 0 frozen during epoch 0
    assert not torch.equal(snapshots[0], snapshots[1])  # ...and trained after the callback unfroze it
    assert frozen[0] > frozen[1] == 1  # the 10 layers, then only .dfl (re-frozen by name after the callback)
    dfl = [p for n, p in t.model.named_parameters() if ".dfl" in n]
    assert dfl and not any(p.requires_grad for p in dfl)


# ------------------------------------------------------------------------------------------------ failure paths
class _NaNLoss:
    def __call__(self, preds, batch):
        total = sum(p.float().mean() for p in preds) * float("nan")
        return total.reshape(1).repeat(3), torch.full((3,), float("nan"))


class _NaNModel(DetectionModel):
    def init_criterion(self):
        return _NaNLoss()


class _NaNTrainer(DetectionTrainer):
    def get_model(self, cfg=None, weights=None, verbose=True):
        return _NaNModel(cfg, nc=self.data["nc"], verbose=False)


class _NoneTrainer(DetectionTrainer):
    def get_model(self, cfg, weights):
        return None


def test_non_finite_loss_raises_and_tears_down(tmp_path):
    trainer = _NaNTrainer(overrides={"model": "yolo11n.yaml", "epochs": 1, "project": str(tmp_path), **TINY})
    fired = _record(trainer, ["on_train_start", "on_train_batch_end", "teardown"])
    with pytest.raises(NonFiniteLossError, match="training loss is nan"):
        trainer.train()
    assert fired == ["on_train_start", "teardown"]


def test_get_model_returning_none_names_the_hook(tmp_path):
    trainer = _NoneTrainer(overrides={"model": "yolo11n.yaml", "epochs": 1, "project": str(tmp_path), **TINY})
    with pytest.raises(HookError, match=r"_NoneTrainer.get_model\(\) returned None"):
        trainer.train()


# ------------------------------------------------------------------------------------------------------ helpers
def test_call_override_passes_only_accepted_kwargs():
    seen = {}

    def old_style(cfg, weights):
        seen.update(cfg=cfg, weights=weights)
        return 1

    assert call_override(old_style, cfg="a", weights=None, verbose=True) == 1 and seen == {"cfg": "a", "weights": None}
    assert call_override(lambda **kw: sorted(kw), a=1, b=2) == ["a", "b"]


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSProp", "sgd"])
def test_every_optimizer_has_three_groups(name):
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 2, 1))
    opt = optim.make_optimizer(net, name, lr=0.01, momentum=0.9, decay=5e-4)
    groups = opt.param_groups
    assert [len(g["params"]) for g in groups] == [3, 2, 1]  # biases, conv weights, BN weight
    assert [g["weight_decay"] for g in groups] == [0.0, 5e-4, 0.0]
    with pytest.raises(ConfigError, match="Accepted"):
        optim.make_optimizer(net, "Lion", 0.01, 0.9, 0.0)


def test_auto_optimizer_and_schedules():
    assert optim.auto_choice(20000, 80) == ("SGD", 0.01, 0.9)
    assert optim.auto_choice(100, 3) == ("AdamW", round(0.01 / 7, 6), 0.9)
    lin, cos = optim.lr_lambda(10, 0.01, False), optim.lr_lambda(10, 0.01, True)
    assert lin(0) == cos(0) == 1.0 and lin(10) == pytest.approx(0.01) and cos(10) == pytest.approx(0.01)
    assert cos(5) == pytest.approx(0.505)
    assert optim.freeze_names(3) == ["model.0.", "model.1.", "model.2."]
    assert optim.freeze_names([0, "model.5.cv1", "22"]) == ["model.0.", "model.5.cv1", "model.22."]


def test_early_stopping_and_time_budget():
    stop = EarlyStopping(patience=2)
    assert [stop(e, f) for e, f in [(1, 0.5), (2, 0.4), (3, 0.45), (4, 0.3)]] == [False, False, True, True]
    assert stop.best_epoch == 1 and not EarlyStopping(patience=0)(100, 0.0)
    budget = TimeBudget(1.0)
    budget.start -= 600  # one epoch took 10 minutes -> 6 fit in an hour
    assert budget.plan_epochs(1) == 6 and not budget.exceeded() and not TimeBudget(None).enabled


def test_run_log_round_trip(tmp_path):
    log = RunLog(tmp_path / "results.csv")
    log.add(1, 1.5, {"train/loss": torch.tensor(0.25), "metrics/mAP50(B)": 0.1})
    log.log({"custom/f1": 0.3})
    log.add(2, 3.0, {"train/loss": 0.2, "metrics/mAP50(B)": 0.2})
    back = RunLog(tmp_path / "results.csv").load().read()
    assert back["epoch"] == [1, 2] and back["train/loss"] == [0.25, 0.2] and back["custom/f1"][1] == 0.3
    assert RunLog(tmp_path / "results.csv").load(upto_epoch=1).read()["epoch"] == [1]


def test_seed000_trainer_alone_with_time_budget(tmp_path):
    """Seed 000: DetectionTrainer(overrides=...).train(); trainer.best. time= (hours) re-plans to what fits: here 1."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ultralytics_clone.yolo.v8.detect import DetectionTrainer as OldPathTrainer

    trainer = OldPathTrainer(overrides={"model": "yolo11n.yaml", "epochs": 5, "time": 1e-5, "project": str(tmp_path),
                                        "name": "t", **TINY})  # fmt: skip
    epochs = _record(trainer, ["on_train_epoch_start"])
    trainer.train()
    assert len(epochs) == 1 and trainer.epochs == 1 and trainer.best.is_file()
    assert trainer.read_results_csv()["epoch"] == [1]
    with pytest.raises(ConfigError, match="model= is required"):
        DetectionTrainer(overrides={"epochs": 1, "project": str(tmp_path), **TINY}).train()


def test_preprocess_batch_scales_and_multi_scale(tmp_path):
    t = DetectionTrainer(overrides={"model": "yolo11n.yaml", "multi_scale": True, "project": str(tmp_path), **TINY})
    t.stride = 32
    batch = {"img": torch.full((2, 3, 64, 64), 255, dtype=torch.uint8), "cls": torch.zeros(1, 1),
             "bboxes": torch.rand(1, 4), "batch_idx": torch.zeros(1)}  # fmt: skip
    out = [t.preprocess_batch(dict(batch))["img"] for _ in range(30)]
    assert all(o.dtype == torch.float32 and float(o.max()) == pytest.approx(1.0) for o in out)
    sizes = {o.shape[-1] for o in out}
    assert sizes <= {32, 64, 96} and len(sizes) > 1


def test_checkpoint_copy_of_user_subclass_is_portable(tmp_path):
    """A model class defined in user code (seed 003's WeightedDetectionModel) is stored as its ultralytics_clone base,
    so the restricted loader can read last.pt/best.pt back (strip_optimizer, resume, the facade's reload)."""
    from ultralytics_clone.engine.checkpoint import make_checkpoint, save_checkpoint
    from ultralytics_clone.engine.trainer import _portable

    m = _NaNModel("yolo11n.yaml", nc=3, verbose=False)
    m.criterion = _NaNLoss()
    p = _portable(m)
    assert type(p) is DetectionModel and p.criterion is None
    save_checkpoint(make_checkpoint(None, ema=p, epoch=0), tmp_path / "c.pt")
    assert type(load_checkpoint_dict(tmp_path / "c.pt")["ema"]).__name__ == "DetectionModel"
