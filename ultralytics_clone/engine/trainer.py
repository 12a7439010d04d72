"""BaseTrainer: a short, sequential training loop plus the public methods task trainers and users override."""

from __future__ import annotations

import math
import time
import warnings
from copy import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ultralytics_clone.engine import checkpoint as ckpt_io
from ultralytics_clone.engine import optim
from ultralytics_clone.engine.overrides import call_override
from ultralytics_clone.engine.run_log import EarlyStopping, RunLog, TimeBudget
from ultralytics_clone.utils import LOGGER, RANK, colorstr, warn_once
from ultralytics_clone.utils.callbacks import CallbackMixin
from ultralytics_clone.utils.errors import CloneError
from ultralytics_clone.utils.files import yaml_save
from ultralytics_clone.utils.torch_utils import ModelEMA, init_seeds, select_device, unwrap_model


class NonFiniteLossError(CloneError, FloatingPointError):
    """The training loss became NaN or infinite."""


class BaseTrainer(CallbackMixin):
    """`Trainer(overrides={...}).train()`. See ARCHITECTURE §3 for the loop and the order events fire in.

    Attributes: args, save_dir, wdir, last, best, model, ema, optimizer, scaler, scheduler, train_loader,
    test_loader, validator, data, epoch, epochs, start_epoch, best_fitness, fitness, metrics, tloss, loss_items,
    loss_names, save_period, freeze_layer_names, device, batch_size, amp, accumulate, run_log.
    """

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        from ultralytics_clone.cfg import DEFAULT_CFG, get_cfg, get_save_dir

        self.args = get_cfg(cfg if cfg is not None else DEFAULT_CFG, _drop_save_dir(overrides))
        self.resume_ckpt: dict | None = None
        self.check_resume(overrides or {})
        self.device = select_device(self.args.device, batch=self.args.batch, verbose=RANK in {-1, 0})
        init_seeds(self.args.seed + 1 + max(RANK, 0), deterministic=self.args.deterministic)
        self.save_dir = Path(self.args.get("save_dir") or get_save_dir(self.args))
        self.args.name = self.save_dir.name
        self.wdir = self.save_dir / "weights"
        if RANK in {-1, 0}:
            self.wdir.mkdir(parents=True, exist_ok=True)
            self.args.save_dir = str(self.save_dir)
            yaml_save(self.save_dir / "args.yaml", {k: _yamlable(v) for k, v in vars(self.args).items()})
        self.last, self.best = self.wdir / "last.pt", self.wdir / "best.pt"
        self.save_period = self.args.save_period
        self.batch_size = self.args.batch
        self.epochs = self.args.epochs or 100
        self.start_epoch, self.epoch = 0, 0
        if self.device.type in {"cpu", "mps"}:
            self.args.workers = 0  # worker processes rarely pay off without a GPU to feed
        self.model: Any = self.args.model
        if not self.args.data:
            from ultralytics_clone.cfg import TASK2DATA

            self.args.data = TASK2DATA.get(self.args.task, "shapes-det.yaml")
            LOGGER.warning(f"data= was not given; using the built-in offline data set '{self.args.data}'.")
        self.data = self.get_dataset()
        self.ema: ModelEMA | None = None
        self.optimizer: torch.optim.Optimizer | None = None
        self.scheduler = self.lf = self.scaler = None
        self.train_loader = self.test_loader = self.validator = None
        self.best_fitness: float | None = None
        self.fitness: float | None = None
        self.metrics: dict | None = None
        self.loss = self.loss_items = self.tloss = None
        self.loss_names: list[str] | tuple[str, ...] = ["Loss"]
        self.freeze_layer_names: list[str] = [".dfl"]
        self.amp = False
        self.accumulate = 1
        self.stop = False
        self.run_log = RunLog(self.save_dir / "results.csv")
        self.csv = self.run_log.path
        self.plots: dict = {}
        self._init_callbacks(_callbacks)

    # ------------------------------------------------------------------------------------------------- the loop
    def train(self) -> None:
        """Run training (single process; multi-GPU DDP is not available in this release)."""
        if "," in str(self.args.device).strip(",") or isinstance(self.args.device, (list, tuple)):
            raise NotImplementedError(
                f"device={self.args.device}: multi-GPU (DDP) training is not available in this release of "
                "ultralytics_clone; pass a single device such as device=0 or device=cpu.")  # fmt: skip
        self._do_train()

    def _do_train(self) -> None:
        self.run_callbacks("on_pretrain_routine_start")
        try:  # from here on, loaders and workers are released whatever happens
            self._setup_train()
            self.run_callbacks("on_pretrain_routine_end")
            self.run_callbacks("on_train_start")
            LOGGER.info(f"Image sizes {self.args.imgsz} train, {self.args.imgsz} val\nLogging results to "
                        f"{colorstr('bold', self.save_dir)}\nStarting training for {self.epochs} epochs...")  # fmt: skip
            epoch = self.start_epoch
            while epoch < self.epochs and not self.stop:
                self.epoch = epoch
                self._run_epoch()
                self._end_epoch()
                epoch += 1
            self.final_eval()
            self.run_callbacks("on_train_end")
        finally:
            self._cleanup()
            self.run_callbacks("teardown")

    def _run_epoch(self) -> None:
        """One pass over the training loader, with warmup, AMP and accumulation."""
        self.run_callbacks("on_train_epoch_start")
        with warnings.catch_warnings():  # stepping at the epoch start makes a resumed epoch use its own LR
            warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()"
            self.scheduler.step()
        optim.apply_freeze(self.model, self.freeze_layer_names)  # names a callback left frozen stay frozen
        if self.args.close_mosaic and self.epoch == self.epochs - self.args.close_mosaic and not self._mosaic_closed:
            self._close_dataloader_mosaic()
        self.model.train()
        nb = len(self.train_loader)
        nw = max(round(self.args.warmup_epochs * nb), 100) if self.args.warmup_epochs > 0 else -1
        self.tloss = None
        LOGGER.info(self.progress_string())
        bar = tqdm(enumerate(self.train_loader), total=nb, disable=RANK > 0, bar_format="{l_bar}{bar:10}{r_bar}")
        for i, batch in bar:
            self.run_callbacks("on_train_batch_start")
            ni = i + nb * self.epoch
            if ni <= nw:
                self._warmup(ni, nw)
            self._train_step(batch, i, ni)
            mem = f"{torch.cuda.memory_reserved() / 1e9 if torch.cuda.is_available() else 0:.3g}G"
            vals = torch.cat((self.tloss.reshape(-1), self.loss.reshape(1))).tolist()  # the one host sync per step
            if not math.isfinite(vals[-1]):
                self._non_finite(vals[-1])
            bar.set_description(("%11s" * 2 + "%11.4g" * (len(vals) + 1)) % (
                f"{self.epoch + 1}/{self.epochs}", mem, *vals[:-1], batch["cls"].shape[0], batch["img"].shape[-1]))
            self.run_callbacks("on_train_batch_end")
            if self.time_budget.exceeded():
                self.stop = True
                break
        self.lr = {f"lr/pg{j}": g["lr"] for j, g in enumerate(self.optimizer.param_groups)}
        self.run_callbacks("on_train_epoch_end")

    def _train_step(self, batch: dict, i: int, ni: int) -> None:
        """preprocess -> autocast forward + loss -> scaled backward -> optimizer_step() every `accumulate` batches."""
        with torch.autocast(self.device.type, enabled=self.amp):
            batch = self.preprocess_batch(batch)
            loss, self.loss_items = self.model(batch)
            self.loss = loss.sum()
        items = self.loss_items.detach()
        self.tloss = items if self.tloss is None else (self.tloss * i + items) / (i + 1)
        self.scaler.scale(self.loss).backward()
        if ni - self._last_opt_step >= self.accumulate:
            self.optimizer_step()
            self._last_opt_step = ni

    def _warmup(self, ni: int, nw: int) -> None:
        """Ramp accumulate, the bias LR (from warmup_bias_lr) and momentum (from warmup_momentum) over nw steps."""
        xi = [0, nw]
        self.accumulate = max(1, int(np.interp(ni, xi, [1, self.args.nbs / self.batch_size]).round()))
        for j, g in enumerate(self.optimizer.param_groups):
            start = self.args.warmup_bias_lr if j == 0 else 0.0
            g["lr"] = float(np.interp(ni, xi, [start, g["initial_lr"] * self.lf(self.epoch)]))
            if "momentum" in g:
                g["momentum"] = float(np.interp(ni, xi, [self.args.warmup_momentum, self.args.momentum]))

    def _non_finite(self, value: float) -> None:
        """Log and raise: a NaN/inf loss cannot be trained through (last.pt of the previous epoch stays valid)."""
        msg = (f"training loss is {value} at epoch {self.epoch + 1}, batch; stopping. Try a lower lr0, amp=False, "
               f"or check the labels of the data set '{self.args.data}'. {self.last} holds the last good epoch.")  # fmt: skip
        LOGGER.error(msg)
        raise NonFiniteLossError(msg)

    def _end_epoch(self) -> None:
        """validate() -> results.csv row -> stopping checks -> save_model() [on_model_save] -> on_fit_epoch_end."""
        final = self.epoch + 1 >= self.epochs
        self.ema.update_attr(self.model, include=("yaml", "nc", "args", "names", "stride", "class_weights"))
        if self.args.val or final or self.stopper.possible_stop or self.stop:
            self.metrics, self.fitness = self.validate()
        self.run_log.add(self.epoch + 1, time.time() - self.time_budget.start,
                         {**self.label_loss_items(self.tloss), **(self.metrics or {}), **self.lr})  # fmt: skip
        self.stop |= self.stopper(self.epoch + 1, self.fitness) or final
        if self.time_budget.enabled:
            self._replan_epochs()
        if self.args.save or final:
            self.save_model()
            self.run_callbacks("on_model_save")
        self.run_callbacks("on_fit_epoch_end")

    def _replan_epochs(self) -> None:
        """time=: fit the remaining epochs into the budget and rebuild the LR schedule for the new count."""
        self.epochs = self.args.epochs = self.time_budget.plan_epochs(self.epoch + 1 - self.start_epoch) + self.start_epoch
        self._setup_scheduler()
        self.scheduler.last_epoch = self.epoch
        self.stop |= self.epoch + 1 >= self.epochs or self.time_budget.exceeded()

    def optimizer_step(self) -> None:
        """Unscale, clip, step, update the scaler; then optimizer_step -> on_before_zero_grad -> zero_grad -> EMA."""
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=10.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.run_callbacks("optimizer_step")
        self.run_callbacks("on_before_zero_grad")
        self.optimizer.zero_grad()
        if self.ema is not None:
            self.ema.update(self.model)
        self.run_callbacks("on_params_update")

    # ------------------------------------------------------------------------------------------------- setup
    def _setup_train(self) -> None:
        """Model, freeze, AMP, loaders, optimizer, scheduler, EMA, validator, resume state."""
        self._setup_model()
        self.model = self.model.to(self.device)
        self.set_model_attributes()
        self.freeze_layer_names = optim.freeze_names(self.args.freeze) + [".dfl"]
        optim.apply_freeze(self.model, self.freeze_layer_names, unfreeze_others=True)
        self.amp = bool(self.args.amp) and self.device.type == "cuda"
        if self.amp:
            from ultralytics_clone.utils.checks import check_amp

            self.amp = check_amp(self.model)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        from ultralytics_clone.utils.checks import check_imgsz

        gs = self.stride = max(int(_stride(self.model)), 32)
        self.args.imgsz = check_imgsz(self.args.imgsz, stride=gs, floor=gs, max_dim=1)
        if self.batch_size in {-1} or (isinstance(self.batch_size, float) and 0 < self.batch_size < 1):
            LOGGER.warning(f"batch={self.batch_size} AutoBatch is not available in this release; using batch=16.")
            self.batch_size = self.args.batch = 16
        self.train_loader = call_override(self.get_dataloader, dataset_path=self.data["train"],
                                          batch_size=self.batch_size, rank=-1, mode="train")  # fmt: skip
        self.test_loader = call_override(self.get_dataloader, dataset_path=self.data.get("val") or self.data.get("test"),
                                         batch_size=self.batch_size * 2, rank=-1, mode="val")  # fmt: skip
        self.validator = self.get_validator()
        self.metrics = dict.fromkeys(self.label_loss_items(prefix="val") + list(self.validator.metric_keys), 0)
        self.ema = ModelEMA(self.model)
        self.accumulate = max(round(self.args.nbs / self.batch_size), 1)
        decay = self.args.weight_decay * self.batch_size * self.accumulate / self.args.nbs
        iterations = math.ceil(len(self.train_loader.dataset) / max(self.batch_size, self.args.nbs)) * self.epochs
        self.optimizer = call_override(self.build_optimizer, required="a torch.optim.Optimizer", model=self.model,
                                       name=self.args.optimizer, lr=self.args.lr0, momentum=self.args.momentum,
                                       decay=decay, iterations=iterations)  # fmt: skip
        self._setup_scheduler()
        self.stopper, self.stop = EarlyStopping(patience=self.args.patience), False
        self.time_budget = TimeBudget(self.args.time)
        self._mosaic_closed = False
        self.resume_training(self.resume_ckpt)
        self.scheduler.last_epoch = self.start_epoch - 1
        self._last_opt_step = -1
        self.optimizer.zero_grad()

    def _setup_model(self) -> None:
        """Build the model via get_model() unless one is already set (the facade hands its network over)."""
        if isinstance(self.model, nn.Module):
            return
        cfg, weights = self.model, None
        if str(self.model).endswith((".pt", ".pth")):
            from ultralytics_clone.nn.backends.torch import load_pytorch_model  # the one checkpoint loader

            weights, _ = load_pytorch_model(self.model)
            cfg = getattr(weights, "yaml", None)
        elif self.args.pretrained and isinstance(self.args.pretrained, str):
            weights = self.args.pretrained
        self.model = call_override(self.get_model, required="an nn.Module", cfg=cfg, weights=weights,
                                   verbose=RANK == -1)  # fmt: skip

    def _setup_scheduler(self) -> None:
        self.lf = optim.lr_lambda(self.epochs, self.args.lrf, self.args.cos_lr)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lr_lambda=self.lf)

    def _close_dataloader_mosaic(self) -> None:
        """close_mosaic: switch mosaic (and mixup/copy-paste) off for the remaining epochs."""
        LOGGER.info("Closing dataloader mosaic")
        dataset = self.train_loader.dataset
        if hasattr(dataset, "mosaic"):
            dataset.mosaic = False
        if hasattr(dataset, "close_mosaic"):
            dataset.close_mosaic(hyp=copy(self.args))
        if hasattr(self.train_loader, "reset"):
            self.train_loader.reset()
        self._mosaic_closed = True

    def _cleanup(self) -> None:
        """Release loader workers and cached GPU memory."""
        for loader in (self.train_loader, self.test_loader):
            if loader is not None and hasattr(loader, "close"):
                loader.close()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # --------------------------------------------------------------------------------------- resume / checkpoint
    def check_resume(self, overrides: dict) -> None:
        """resume=True|path: reload the run's train_args from its last.pt (a few overrides still apply)."""
        resume = self.args.resume
        if not resume:
            return
        from ultralytics_clone.cfg import get_cfg
        from ultralytics_clone.utils.settings import SETTINGS

        path = ckpt_io.resolve_resume_checkpoint(resume, search_dir=SETTINGS["runs_dir"])
        ckpt = ckpt_io.load_checkpoint_dict(path)
        ckpt_io.check_resumable(ckpt, path)
        args = dict(ckpt.get("train_args") or {})
        save_dir = args.pop("save_dir", None)
        for k in ("imgsz", "batch", "device", "close_mosaic", "workers"):
            if k in overrides:
                args[k] = overrides[k]
        args.update(resume=str(path), model=str(path), exist_ok=True)
        self.args = get_cfg(args)
        if save_dir:
            self.args.save_dir = save_dir
        self.resume_ckpt = ckpt
        LOGGER.info(f"Resuming training from {path} at epoch {ckpt['epoch'] + 2}")

    def resume_training(self, ckpt: dict | None) -> None:
        """Restore optimizer, scaler, EMA, best fitness and start epoch from a checkpoint dict."""
        if not ckpt:
            return
        self.optimizer.load_state_dict(ckpt["optimizer"])
        if ckpt.get("scaler"):
            self.scaler.load_state_dict(ckpt["scaler"])
        if ckpt.get("ema") is not None:
            self.ema.ema.load_state_dict(ckpt["ema"].float().state_dict())
            self.ema.updates = ckpt.get("updates") or 0
        self.best_fitness = ckpt.get("best_fitness")
        self.start_epoch = ckpt["epoch"] + 1
        self.run_log.load(upto_epoch=self.start_epoch)
        if self.args.close_mosaic and self.start_epoch > self.epochs - self.args.close_mosaic >= 0:
            self._close_dataloader_mosaic()

    def save_model(self) -> None:
        """last.pt every epoch, best.pt when fitness is the best so far, epochN.pt every save_period; atomic writes."""
        ckpt = ckpt_io.make_checkpoint(
            None, ema=_portable(ckpt_io.model_for_checkpoint(self.ema.ema, half=True)), updates=self.ema.updates,
            optimizer=_fp16_state(self.optimizer), scaler=self.scaler.state_dict(), epoch=self.epoch,
            best_fitness=self.best_fitness, train_args=vars(self.args),
            train_metrics={**(self.metrics or {}), "fitness": self.fitness}, train_results=self.read_results_csv(),
        )  # fmt: skip
        data = ckpt_io.serialize_checkpoint(ckpt)
        paths = [self.last]
        if self.fitness is not None and self.best_fitness == self.fitness:
            paths.append(self.best)
        if self.save_period > 0 and self.epoch % self.save_period == 0:
            paths.append(self.wdir / f"epoch{self.epoch}.pt")
        ckpt_io.write_checkpoint_bytes(data, *paths)

    def read_results_csv(self) -> dict[str, list]:
        """results.csv as {column: [values per epoch]}."""
        return self.run_log.read()

    def log(self, metrics: dict[str, Any]) -> None:
        """Add user values (name -> number) to this epoch's results.csv row."""
        self.run_log.log(metrics)

    def final_eval(self) -> None:
        """Strip the optimizer from last.pt/best.pt, validate best.pt, then fire on_fit_epoch_end once more."""
        for f in (self.last, self.best):
            if f.exists():
                ckpt_io.strip_optimizer(f)
        if self.best.exists() and self.validator is not None:
            LOGGER.info(f"\nValidating {self.best}...")
            self.metrics = self.validator(model=self.best, plots=self.args.plots)
            self.metrics.pop("fitness", None)
            self.run_callbacks("on_fit_epoch_end")

    def validate(self) -> tuple[dict | None, float | None]:
        """Run the validator on the EMA model -> (metrics dict, fitness); tracks best_fitness."""
        final = self.epoch + 1 >= self.epochs  # plots once, on the last epoch; validation losses every time
        metrics = self.validator(self, plots=self.args.plots and final, loss_fn=self.model.loss)
        fitness = metrics.pop("fitness", None)
        if fitness is None:
            fitness = -float(self.loss.detach().cpu()) if self.loss is not None else 0.0
        if self.best_fitness is None or self.best_fitness < fitness:
            self.best_fitness = fitness
        return metrics, fitness

    # ----------------------------------------------------------------------------- overridden by task trainers
    def get_dataset(self) -> dict:
        """The data-set dict (train/val paths, names, nc) for args.data."""
        from ultralytics_clone.data.checks import check_det_dataset

        data = check_det_dataset(self.args.data)
        if self.args.single_cls:
            data = {**data, "names": {0: "item"}, "nc": 1}
        return data

    def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> nn.Module:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_model()")

    def get_validator(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_validator()")

    def get_dataloader(self, dataset_path: str, batch_size: int = 16, rank: int = 0, mode: str = "train") -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_dataloader()")

    def build_dataset(self, img_path: str, mode: str = "train", batch: int | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement build_dataset()")

    def preprocess_batch(self, batch: dict) -> dict:
        return batch

    def set_model_attributes(self) -> None:
        self.model.names = self.data["names"]

    def build_optimizer(self, model: nn.Module, name: str = "auto", lr: float = 0.001, momentum: float = 0.9,
                        decay: float = 1e-5, iterations: float = 1e5) -> torch.optim.Optimizer:  # fmt: skip
        """Optimizer `name` (or auto) with 3 groups: biases, weights with `decay`, norm weights without."""
        if str(name).lower() == "auto":
            name, lr, momentum = optim.auto_choice(iterations, self.data.get("nc", 10))
            LOGGER.info(f"{colorstr('optimizer:')} 'optimizer=auto' chose {name}(lr={lr}, momentum={momentum}) for "
                        f"{int(iterations)} iterations")  # fmt: skip
            self.args.warmup_bias_lr = 0.0
        return optim.make_optimizer(model, name, lr, momentum, decay)

    def label_loss_items(self, loss_items: torch.Tensor | None = None, prefix: str = "train") -> dict | list[str]:
        """{'train/box_loss': 1.2, ...}, or the key list when loss_items is None."""
        keys = [f"{prefix}/{x}" for x in self.loss_names]
        if loss_items is None:
            return keys
        return dict(zip(keys, (round(float(x), 5) for x in loss_items)))

    def progress_string(self) -> str:
        return ("\n" + "%11s" * (4 + len(self.loss_names))) % ("Epoch", "GPU_mem", *self.loss_names, "Instances", "Size")


def _stride(model: nn.Module) -> float:
    s = getattr(unwrap_model(model), "stride", torch.tensor([32.0]))
    return float(s.max()) if hasattr(s, "max") else float(s)


def _portable(model: nn.Module) -> nn.Module:
    """A checkpoint copy whose class is the nearest ultralytics_clone class (a user subclass defined in __main__ or a
    notebook cannot be read back by the restricted unpickler); the lazily built criterion is dropped too."""
    base = next((c for c in type(model).__mro__ if c.__module__.startswith("ultralytics_clone.")), None)
    if base is not None and base is not type(model):
        warn_once(f"checkpoints store {type(model).__name__} as {base.__name__}: the restricted checkpoint loader only "
                  "reads ultralytics_clone classes. Rebuild your subclass and load() the weights into it.")  # fmt: skip
        model.__class__ = base
    if getattr(model, "criterion", None) is not None:
        model.criterion = None
    return model


def _fp16_state(optimizer: torch.optim.Optimizer) -> dict:
    """A deep copy of the optimizer state with float32 tensors as float16 (checkpoint size)."""
    from copy import deepcopy

    from ultralytics_clone.utils.torch_utils import convert_optimizer_state_dict_to_fp16

    return convert_optimizer_state_dict_to_fp16(deepcopy(optimizer.state_dict()))


def _drop_save_dir(overrides: Any) -> Any:
    """Overrides without `save_dir` (set as an attribute after validation, not an argument)."""
    if isinstance(overrides, dict) and "save_dir" in overrides:
        return {k: v for k, v in overrides.items() if k != "save_dir"}
    return overrides


def _yamlable(v: Any) -> Any:
    return v if isinstance(v, (str, int, float, bool, list, dict, type(None))) else str(v)


__all__ = ["BaseTrainer", "NonFiniteLossError"]


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
