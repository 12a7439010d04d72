"""BaseValidator: runs a model over a validation loader and accumulates task metrics (during training or alone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from ultralytics_clone.utils import LOGGER, RANK
from ultralytics_clone.utils.callbacks import CallbackMixin
from ultralytics_clone.utils.files import atomic_write
from ultralytics_clone.utils.ops import Profile


class BaseValidator(CallbackMixin):
    """`validator(trainer=t)` validates the trainer's EMA model on its test loader; `validator(model=m)` loads data.

    Subclasses define init_metrics, preprocess, postprocess, update_metrics, get_stats, print_results,
    get_dataloader. Attributes: args, dataloader, model, data, device, metrics, speed (ms per image), save_dir,
    training, jdict, seen, names, nc, stats.
    """

    def __init__(self, dataloader: Any = None, save_dir: Path | None = None, args: Any = None,
                 _callbacks: dict | None = None) -> None:  # fmt: skip
        from ultralytics_clone.cfg import cfg2dict, get_cfg, get_save_dir

        args = cfg2dict(args)
        args.pop("save_dir", None)  # a trainer's run folder travels as `save_dir=`, not as an argument
        self.args = get_cfg(overrides=args)
        self.dataloader = dataloader
        self.model = None
        self.data: dict | None = None
        self.device: torch.device | None = None
        self.batch_i: int | None = None
        self.training = True
        self.names: dict[int, str] = {}
        self.nc = 0
        self.seen = 0
        self.stats: dict | None = None
        self.metrics: Any = None
        self.jdict: list = []
        self.speed = {"preprocess": 0.0, "inference": 0.0, "loss": 0.0, "postprocess": 0.0}
        self.save_dir = Path(save_dir) if save_dir else get_save_dir(self.args)
        if self.args.conf is None:
            self.args.conf = 0.01 if self.args.task == "obb" else 0.001
        self.plots: dict = {}
        self.do_plots = bool(self.args.plots)
        self.extra_metrics: dict[str, Any] = {}
        self.loss: torch.Tensor | None = None
        self._autocast, self._autocast_dtype = False, torch.float16
        from ultralytics_clone.engine.val_plots import PlotQueue

        self.plot_queue = PlotQueue()
        self._init_callbacks(_callbacks)

    @torch.no_grad()
    def __call__(self, trainer: Any = None, model: Any = None, plots: bool | None = None,
                 loss_fn: Any = None, **kwargs: Any) -> dict[str, float]:  # fmt: skip
        """Validate; returns results_dict, plus values added with `log()` (and mean val losses given `loss_fn`).

        A trainer says what it wants: `plots` (default args.plots when standalone, False from a trainer) and
        `loss_fn(batch, preds) -> (loss, loss_items)` to also average validation losses.
        """
        self.training = trainer is not None
        self.extra_metrics = {}
        self.do_plots = bool(self.args.plots if plots is None and not self.training else plots)
        if self.training:
            model = self._setup_from_trainer(trainer)
        else:
            model = self._setup_standalone(model)
        model.eval()
        self.run_callbacks("on_val_start")
        profilers = [Profile(device=self.device) for _ in range(4)]
        self.init_metrics(model)
        self.jdict = []
        self.loss = None
        bar = tqdm(self.dataloader, desc=self.get_desc(), total=len(self.dataloader), disable=RANK > 0 or self.training,
                   bar_format="{l_bar}{bar:10}{r_bar}")  # fmt: skip
        for self.batch_i, batch in enumerate(bar):
            self.run_callbacks("on_val_batch_start")
            with profilers[0]:
                batch = self.preprocess(batch)
            with profilers[1], torch.autocast(self.device.type, dtype=self._autocast_dtype, enabled=self._autocast):
                preds = model(batch["img"], augment=self.args.augment) if self.args.augment else model(batch["img"])
            with profilers[2]:
                if loss_fn is not None:
                    items = loss_fn(batch, preds)[1].detach()
                    self.loss = items if self.loss is None else self.loss + items
            with profilers[3]:
                preds = self.postprocess(preds)
            self.update_metrics(preds, batch)  # not under torch.set_num_threads(1): the resize stalls the next ops
            if self.do_plots and self.batch_i < 3:
                self.plot_val_samples(batch, self.batch_i)
                self.plot_predictions(batch, preds, self.batch_i)
            self.run_callbacks("on_val_batch_end")
        stats = self.get_stats()
        n = max(len(self.dataloader.dataset), 1)
        self.speed = dict(zip(self.speed, (p.t / n * 1e3 for p in profilers)))
        self.finalize_metrics()
        self.print_results()
        self.run_callbacks("on_val_end")
        self.plot_queue.join()
        stats = {**stats, **self.extra_metrics}
        if self.training:
            losses = trainer.label_loss_items(self.loss.cpu() / len(self.dataloader), prefix="val") if self.loss is not None else {}
            return {**stats, **losses}
        LOGGER.info("Speed: {:.1f}ms preprocess, {:.1f}ms inference, {:.1f}ms loss, {:.1f}ms postprocess per image".format(
            *self.speed.values()))  # fmt: skip
        if self.args.save_json and self.jdict:
            path = self.save_dir / "predictions.json"
            self.save_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(self.jdict))
            LOGGER.info(f"Saving {path}...")
            stats = self.eval_json(stats)
        return stats

    def log(self, values: dict[str, Any]) -> None:
        """Add user values (name -> number) to this validation's results; during training they reach results.csv."""
        if not isinstance(values, dict):
            raise TypeError(f"validator.log() takes a dict of name -> value, got {type(values).__name__}.")
        self.extra_metrics.update(values)
        if self.metrics is not None and hasattr(self.metrics, "extra"):
            self.metrics.extra.update(values)

    def eval_json(self, stats: dict) -> dict:
        """Official COCO evaluation of predictions.json when annotations exist (task validators override)."""
        return stats

    def plot_val_samples(self, batch: dict, ni: int) -> None:
        """Draw batch ni's labels (task validators override)."""

    def plot_predictions(self, batch: dict, preds: Any, ni: int) -> None:
        """Draw batch ni's predictions (task validators override)."""

    def _setup_from_trainer(self, trainer: Any) -> torch.nn.Module:
        """Use the trainer's device, data, test loader and (EMA) model, in half precision under AMP on CUDA."""
        self.device = trainer.device
        self.data = trainer.data
        # AMP through autocast, not model.half(): halving the EMA in place would round its weights every epoch
        self._autocast = self.device.type == "cuda" and bool(trainer.amp)
        self._autocast_dtype = getattr(trainer, "amp_dtype", torch.float16)  # the trainer's: bf16 when it trains so
        self.args.half = False
        return trainer.ema.ema if trainer.ema is not None else trainer.model

    def _setup_standalone(self, model: Any) -> torch.nn.Module:
        """Load the model (module or checkpoint path), pick the device, check the data set, build the loader."""
        from ultralytics_clone.utils.torch_utils import select_device

        if model is None:
            model = self.args.model
        self.device = select_device(self.args.device, batch=self.args.batch, verbose=False)
        from ultralytics_clone.nn.autobackend import AutoBackend  # the one loading path (module, .pt or exported)

        model = AutoBackend(model, device=self.device, dnn=self.args.dnn, data=self.args.data, fp16=self.args.half,
                            verbose=False)  # fmt: skip
        self.args.half = model.fp16
        if not model.dynamic:  # a static export runs at its own square size, not in rect batches
            self.args.rect = False
        self.model = model
        if self.data is None:
            self.data = self.get_data()
        if self.device.type in {"cpu", "mps"}:
            self.args.workers = 0
        if self.dataloader is None:
            split = self.data.get(self.args.split)
            if split is None:
                from ultralytics_clone.utils.errors import DatasetError

                raise DatasetError(f"split='{self.args.split}' is not defined in data='{self.args.data}'; "
                                   f"available: {[k for k in ('train', 'val', 'test') if self.data.get(k)]}.")  # fmt: skip
            self.dataloader = self.get_dataloader(split, self.args.batch)
        return model

    def get_data(self) -> dict:
        """The data-set dict for args.data (checked and, when built in, generated)."""
        from ultralytics_clone.data.checks import check_det_dataset

        return check_det_dataset(self.args.data)

    # ------------------------------------------------------------------------------- overridden by task validators
    def get_dataloader(self, dataset_path: str, batch_size: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement get_dataloader()")

    def build_dataset(self, img_path: str, mode: str = "val", batch: int | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement build_dataset()")

    def preprocess(self, batch: dict) -> dict:
        return batch

    def postprocess(self, preds: Any) -> Any:
        return preds

    def init_metrics(self, model: torch.nn.Module) -> None:
        pass

    def update_metrics(self, preds: Any, batch: dict) -> None:
        pass

    def finalize_metrics(self) -> None:
        pass

    def get_stats(self) -> dict:
        return {}

    def print_results(self) -> None:
        pass

    def get_desc(self) -> str:
        return ""

    @property
    def metric_keys(self) -> list[str]:
        return []

    def on_plot(self, name: str | Path, data: dict | None = None) -> None:
        """Remember a saved plot (path -> data, timestamp) for loggers."""
        import time

        self.plots[Path(name)] = {"data": data, "timestamp": time.time()}


__all__ = ["BaseValidator"]
