"""BaseTrainer: a short, sequential training loop plus the public methods task trainers and users override."""

from __future__ import annotations

import math
import shutil
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
from ultralytics_clone.engine import curves, launch, optim, train_state
from ultralytics_clone.engine.overrides import call_override
from ultralytics_clone.engine.run_log import EarlyStopping, RunLog, TimeBudget
from ultralytics_clone.utils import LOGGER, RANK, colorstr, warn_once
from ultralytics_clone.utils.callbacks import CallbackMixin, add_integration_callbacks
from ultralytics_clone.utils.checks import amp_setting
from ultralytics_clone.utils.errors import CloneError
from ultralytics_clone.utils.files import yaml_save
from ultralytics_clone.utils.torch_utils import ModelEMA, init_seeds, select_device, unwrap_model

MAX_ROLLBACKS = 3  # roll-backs to the last good state before a non-finite loss stops the run


class NonFiniteLossError(CloneError, FloatingPointError):
    """The training loss became NaN or infinite."""


class BaseTrainer(CallbackMixin):
    """`Trainer(overrides={...}).train()`. See ARCHITECTURE §3 for the loop and the order events fire in.

    Attributes: args, save_dir, wdir, last, best, model, ema, optimizer, scaler, scheduler, train_loader,
    test_loader, validator, data, epoch, epochs, start_epoch, best_fitness, fitness, metrics, tloss, loss_items,
    loss_names, save_period, freeze_layer_names, device, batch_size, amp, accumulate, run_log.
    """

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        """Argument handling only: nothing is read, built or written until train() (see _setup_run)."""
        from ultralytics_clone.cfg import DEFAULT_CFG, get_cfg

        self.args = get_cfg(cfg if cfg is not None else DEFAULT_CFG, _drop_save_dir(overrides))
        self.overrides = dict(overrides) if isinstance(overrides, dict) else {}
        self.resume_ckpt: dict | None = None
        self.ddp_devices = launch.ddp_devices(self.args.device)
        self.device = torch.device("cpu") if self.ddp_devices else select_device(self.args.device, batch=self.args.batch, verbose=RANK in {-1, 0})
        self.save_dir: Path | None = None  # the run folder is made when training starts, not here
        self._fresh_dir = False  # made by this run (removed again if it fails before its first checkpoint)
        self.wdir = self.last = self.best = self.csv = None
        self.save_period = self.args.save_period
        self.batch_size = self.args.batch
        self.epochs = self.args.epochs or 100
        self.start_epoch, self.epoch = 0, 0
        self.model: Any = self.args.model
        if not self.args.data:
            from ultralytics_clone.cfg import TASK2DATA

            self.args.data = TASK2DATA.get(self.args.task, "shapes-det.yaml")
            LOGGER.warning(f"data= was not given; using the built-in offline data set '{self.args.data}'.")
        self.data: dict = {}
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
        self.amp, self.amp_dtype = False, torch.float16
        self.channels_last = False  # set in _setup_train: True on CPU
        self.accumulate = 1
        self.stop = False
        self.nan_recovery_attempts = 0  # roll-backs to the last good state after a non-finite loss or EMA
        self.plot_idx = [0, 1, 2]  # the training batches drawn to train_batchN.jpg
        self.plotter = curves.Plotter()
        self.run_log: RunLog | None = None
        self.plots: dict = {}
        self._init_callbacks(_callbacks)
        add_integration_callbacks(self)  # TensorBoard / MLflow when installed and switched on in settings

    # ------------------------------------------------------------------------------------------------- the loop
    def train(self) -> None:
        """Run training here, or with several devices (device=0,1 or cpu,cpu) in one DDP process per device."""
        if self.ddp_devices and not launch.in_ddp():
            launch.spawn(self)
            return
        self._do_train()

    def _do_train(self) -> None:
        self.run_callbacks("on_pretrain_routine_start")
        try:  # from here on, loaders, workers and the process group are released whatever happens
            self._setup_train()
            self.run_callbacks("on_pretrain_routine_end")
            self.run_callbacks("on_train_start")
            LOGGER.info(f"Image sizes {self.args.imgsz} train, {self.args.imgsz} val\nLogging results to "
                        f"{colorstr('bold', self.save_dir)}\nStarting training for {self.epochs} epochs...")  # fmt: skip
            epoch = self.start_epoch
            while epoch < self.epochs and not self.stop:
                self.epoch = epoch
                if not self._run_epoch() or not self._end_epoch():
                    continue  # rolled back to the last good state: run this epoch again
                epoch += 1
            self.final_eval()
            self.run_callbacks("on_train_end")
        except BaseException:
            if self._fresh_dir and not self.last.exists():  # failed before its first checkpoint: leave no folder
                shutil.rmtree(self.save_dir, ignore_errors=True)
            raise
        finally:
            self._cleanup()
            self.run_callbacks("teardown")

    def _run_epoch(self) -> bool:
        """One pass over the training loader, with warmup, AMP and accumulation. False when it had to roll back."""
        self.run_callbacks("on_train_epoch_start")
        with warnings.catch_warnings():  # stepping at the epoch start makes a resumed epoch use its own LR
            warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()"
            self.scheduler.step()
        optim.apply_freeze(self.model, self.freeze_layer_names)  # names a callback left frozen stay frozen
        if launch.in_ddp():  # a callback may have (un)frozen layers: every replica reduces the same parameters
            self.model = launch.rewrap_if_unfrozen(self.model, self.device)
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
            if self.args.plots and ni in self.plot_idx and RANK in {-1, 0}:
                self.plot_training_samples(batch, ni)
            mem = f"{torch.cuda.memory_reserved() / 1e9 if torch.cuda.is_available() else 0:.3g}G"
            vals = torch.cat((self.tloss.reshape(-1), self.loss.reshape(1))).tolist()  # the one host sync per step
            if launch.all_ranks_agree(not math.isfinite(vals[-1])):
                bar.close()
                return self._roll_back(f"training loss is {vals[-1]} at epoch {self.epoch + 1}, batch {i + 1}")
            bar.set_description(("%11s" * 2 + "%11.4g" * (len(vals) + 1)) % (
                f"{self.epoch + 1}/{self.epochs}", mem, *vals[:-1], batch["cls"].shape[0], batch["img"].shape[-1]))
            self.run_callbacks("on_train_batch_end")
            if self.time_budget.exceeded():
                self.stop = True
                break
        self.lr = {f"lr/pg{j}": g["lr"] for j, g in enumerate(self.optimizer.param_groups)}
        self.run_callbacks("on_train_epoch_end")
        return True

    def _train_step(self, batch: dict, i: int, ni: int) -> None:
        """preprocess -> autocast forward + loss -> scaled backward -> optimizer_step() every `accumulate` batches."""
        with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp):
            batch = self.preprocess_batch(batch)
            if self.channels_last:
                batch["img"] = batch["img"].contiguous(memory_format=torch.channels_last)
            loss, self.loss_items = self.model(batch)
            self.loss = loss.sum() * launch.world_size()  # DDP averages gradients over ranks; keep the batch sum
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

    def _roll_back(self, what: str) -> bool:
        """A non-finite loss or EMA: restore the last good state (at most `MAX_ROLLBACKS` times, each logged); then stop."""
        self.nan_recovery_attempts += 1
        if self.nan_recovery_attempts > MAX_ROLLBACKS:
            msg = (f"{what}; stopping after {MAX_ROLLBACKS} roll-backs to the last good state. Try a lower lr0 "
                   f"(now {self.args.lr0}), amp=False, a smaller warmup_bias_lr, or check the labels of the data set "
                   f"'{self.args.data}'. {self.last} holds the last good epoch.")  # fmt: skip
            LOGGER.error(msg)
            raise NonFiniteLossError(msg)
        good = f"after epoch {self._good['epoch'] + 1}" if self._good["epoch"] >= 0 else "before the first epoch"
        LOGGER.warning(f"{what}; rolling back to the state {good} and running epoch {self.epoch + 1} again "
                       f"(roll-back {self.nan_recovery_attempts}/{MAX_ROLLBACKS}).")  # fmt: skip
        train_state.restore(self, self._good)
        self.scheduler.last_epoch = self.epoch - 1  # the epoch starts again with its own learning rate
        return False

    def _end_epoch(self) -> bool:
        """validate() -> results.csv row -> stopping checks -> save_model() [on_model_save] -> on_fit_epoch_end.

        False (and nothing recorded) when the EMA weights became non-finite and the run rolled back."""
        final = self.epoch + 1 >= self.epochs
        self.ema.update_attr(self.model, include=("yaml", "nc", "args", "names", "stride", "class_weights"))
        if not train_state.finite(self.ema.ema):
            return self._roll_back(f"the EMA weights are not finite after epoch {self.epoch + 1}")
        if self.validator is not None and (self.args.val or final or self.stopper.possible_stop or self.stop):
            self.metrics, self.fitness = self.validate()  # rank 0 alone validates under DDP
        if RANK in {-1, 0}:
            self.run_log.add(self.epoch + 1, time.time() - self.time_budget.start,
                             {**self.label_loss_items(self.tloss), **(self.metrics or {}), **self.lr})  # fmt: skip
        self.stop |= self.stopper(self.epoch + 1, self.fitness) or final
        if self.time_budget.enabled:
            self._replan_epochs()
        self.stop, epochs = launch.broadcast((self.stop, self.epochs))
        if epochs != self.epochs:
            self.epochs = self.args.epochs = epochs
            self._setup_scheduler()
            self.scheduler.last_epoch = self.epoch
        self._good = train_state.capture(self, self.epoch)
        if (self.args.save or self.stop) and RANK in {-1, 0}:  # save=False: the stopping epoch's checkpoint only
            self.save_model()
            self.run_callbacks("on_model_save")
        self.run_callbacks("on_fit_epoch_end")
        return True

    def _replan_epochs(self) -> None:
        """time=: fit the remaining epochs into the budget and rebuild the LR schedule for the new count."""
        self.epochs = self.args.epochs = self.time_budget.plan_epochs(self.epoch + 1 - self.start_epoch) + self.start_epoch
        self._setup_scheduler()
        self.scheduler.last_epoch = self.epoch
        self.stop |= self.epoch + 1 >= self.epochs or self.time_budget.exceeded()

    def optimizer_step(self) -> None:
        """Unscale, clip, step, update the scaler; then optimizer_step -> on_before_zero_grad -> zero_grad -> EMA."""
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=10.0, foreach=True)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.run_callbacks("optimizer_step")
        self.run_callbacks("on_before_zero_grad")
        self.optimizer.zero_grad()
        if self.ema is not None:
            self.ema.update(self.model)
        self.run_callbacks("on_params_update")

    # ------------------------------------------------------------------------------------------------- setup
    def _setup_run(self) -> None:
        """Resume checkpoint, seeds, the data-set check, then (rank 0) the run folder and args.yaml."""
        from ultralytics_clone.cfg import get_save_dir

        self.check_resume(self.overrides)
        if launch.in_ddp():
            self.device = launch.init_process_group(self.ddp_devices)
        if self.device.type in {"cpu", "mps"} and "workers" not in self.overrides:
            self.args.workers = 0  # the default on CPU: loader processes compete with the training threads for cores
        init_seeds(self.args.seed + 1 + max(RANK, 0), deterministic=self.args.deterministic)
        self.data = self.get_dataset()
        planned = self.args.get("save_dir")
        self.save_dir = Path(planned or get_save_dir(self.args))
        self._fresh_dir = RANK in {-1, 0} and not (self.save_dir.is_dir() and any(self.save_dir.iterdir()))
        self.args.name = self.save_dir.name
        self.wdir = self.save_dir / "weights"
        self.last, self.best = self.wdir / "last.pt", self.wdir / "best.pt"
        if RANK in {-1, 0}:
            self.wdir.mkdir(parents=True, exist_ok=True)
            self.args.save_dir = str(self.save_dir)
            yaml_save(self.save_dir / "args.yaml", {k: _yamlable(v) for k, v in vars(self.args).items()})
        self.run_log = RunLog(self.save_dir / "results.csv")
        self.csv = self.run_log.path

    def _setup_train(self) -> None:
        """_setup_run, then model, freeze, AMP, loaders, optimizer, scheduler, EMA, validator, resume state."""
        self._setup_run()
        self._setup_model()
        self.model = self.model.to(self.device)
        self.channels_last = self.device.type == "cpu"  # oneDNN trains convolutions NHWC about a third faster
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.set_model_attributes()
        self.freeze_layer_names = optim.freeze_names(self.args.freeze) + [".dfl"]
        optim.apply_freeze(self.model, self.freeze_layer_names, unfreeze_others=True)
        self.amp, self.amp_dtype = amp_setting(self.args.amp, self.device, self.model)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp and self.amp_dtype == torch.float16)
        if launch.in_ddp():
            self.model = launch.wrap_model(self.model, self.device)
        if self.args.compile:
            self.model = _compile(self.model, self.args.compile, self.device)
        from ultralytics_clone.utils.checks import check_imgsz

        gs = self.stride = max(int(_stride(self.model)), 32)
        self.args.imgsz = check_imgsz(self.args.imgsz, stride=gs, floor=gs, max_dim=1)
        self.batch_size = self.args.batch = self.auto_batch() if _is_auto(self.args.batch) else int(self.args.batch)
        batch = self.batch_size // max(launch.world_size(), 1)
        self.train_loader = call_override(self.get_dataloader, dataset_path=self.data["train"], batch_size=batch,
                                          rank=launch.rank_or_minus_one(), mode="train")  # fmt: skip
        if RANK in {-1, 0}:
            self.test_loader = call_override(self.get_dataloader, dataset_path=self.data.get("val") or self.data.get("test"),
                                             batch_size=batch * 2, rank=-1, mode="val")  # fmt: skip
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
        self._last_opt_step = -1
        self.resume_training(self.resume_ckpt)
        self.resume_ckpt = None  # its tensors now live in the model, EMA and optimizer
        self.scheduler.last_epoch = self.start_epoch - 1
        self.optimizer.zero_grad()
        self._good = train_state.capture(self, self.start_epoch - 1)
        if self.args.plots and RANK in {-1, 0}:
            self.plot_training_labels()

    def auto_batch(self, max_num_obj: int = 0, dataset_size: int = 0) -> int:
        """batch=-1 (60%) or a fraction such as 0.7: the largest batch that fits that share of CUDA memory."""
        from ultralytics_clone.utils.autobatch import check_train_batch_size

        return check_train_batch_size(unwrap_model(self.model), self.args.imgsz, amp=self.amp, batch=self.args.batch,
                                      max_num_obj=max_num_obj, dataset_size=dataset_size)  # fmt: skip

    def _setup_model(self) -> None:
        """The one entrance: get_model(cfg, weights) builds the network, from a YAML, a .pt path or the facade's model."""
        cfg, weights = self.model, None
        if isinstance(cfg, nn.Module):  # the facade's network, loaded from a checkpoint: rebuild and load it
            cfg, weights = getattr(cfg, "yaml", None), cfg
        elif str(cfg).endswith((".pt", ".pth")):
            from ultralytics_clone.nn.backends.torch import load_pytorch_model  # the one checkpoint loader

            weights, _ = load_pytorch_model(cfg)
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
        """Release loader workers, the plot thread, the process group and cached GPU memory."""
        self.plotter.close()
        for loader in (self.train_loader, self.test_loader):
            if loader is not None and hasattr(loader, "close"):
                loader.close()
        if launch.in_ddp():
            launch.destroy_process_group()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    # --------------------------------------------------------------------------------------- resume / checkpoint
    def check_resume(self, overrides: dict) -> None:
        """resume=True|path: reload the run's train_args from its last.pt (a few overrides still apply)."""
        resume = self.args.resume
        if not resume or self.resume_ckpt is not None:
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
        self.model, self.epochs, self.batch_size = self.args.model, self.args.epochs, self.args.batch
        self.resume_ckpt = ckpt
        LOGGER.info(f"Resuming training from {path} at epoch {ckpt['epoch'] + 2}")

    def resume_training(self, ckpt: dict | None) -> None:
        """Restore the state saved in `ckpt`: exactly from its train_state, else optimizer, scaler, EMA and epoch."""
        if not ckpt:
            return
        self.start_epoch = ckpt["epoch"] + 1
        if ckpt.get("train_state"):
            train_state.restore(self, {**ckpt["train_state"], "optimizer": ckpt["optimizer"]}, exact=True)
        else:  # a checkpoint written by an overridden save_model(): what the Ultralytics keys hold
            self.optimizer.load_state_dict(ckpt["optimizer"])
            if ckpt.get("scaler"):
                self.scaler.load_state_dict(ckpt["scaler"])
            if ckpt.get("ema") is not None:
                self.ema.ema.load_state_dict(ckpt["ema"].float().state_dict())
                self.ema.updates = ckpt.get("updates") or 0
            self.best_fitness = ckpt.get("best_fitness")
        self.run_log.load(upto_epoch=self.start_epoch)
        if self.args.close_mosaic and self.start_epoch > self.epochs - self.args.close_mosaic >= 0:
            self._close_dataloader_mosaic()

    def save_model(self) -> None:
        """last.pt every epoch, best.pt when fitness is the best so far, epochN.pt every save_period; atomic writes.

        `train_state` holds what an exact resume needs beyond the Ultralytics keys (float32 model and EMA, RNG...)."""
        state = dict(self._good)
        optimizer = state.pop("optimizer")
        ckpt = ckpt_io.make_checkpoint(
            None, ema=_portable(ckpt_io.model_for_checkpoint(self.ema.ema, half=True)), updates=self.ema.updates,
            optimizer=optimizer, scaler=self.scaler.state_dict(), epoch=self.epoch, best_fitness=self.best_fitness,
            train_args=vars(self.args), train_metrics={**(self.metrics or {}), "fitness": self.fitness},
            train_results=self.read_results_csv(), train_state=state,
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
        if RANK not in {-1, 0}:
            return
        if self.args.plots:
            self.plot_metrics()
            self.plotter.wait()  # the loggers of on_train_end upload the finished pictures
        for f in (self.last, self.best):
            if f.exists():
                ckpt_io.strip_optimizer(f)
        if self.best.exists() and self.validator is not None:
            LOGGER.info(f"\nValidating {self.best}...")
            if launch.in_ddp():  # the standalone validator runs on this rank's device alone
                self.validator.args.device = "cpu" if self.device.type == "cpu" else self.device.index
            self.metrics = self.validator(model=self.best, plots=self.args.plots)
            self.metrics.pop("fitness", None)
            self.run_callbacks("on_fit_epoch_end")

    # ------------------------------------------------------------------------------------ plots (worker thread)
    def plot_training_samples(self, batch: dict, ni: int) -> None:
        """train_batch{ni}.jpg: the batch as the model saw it (augmented), with its labels."""
        if not {"img", "batch_idx", "cls", "bboxes"} <= set(batch):
            return  # classification batches have no boxes; their trainer draws its own
        names = self.data.get("names", {})
        self.plotter.submit(curves.plot_training_batch, *_cpu(batch, "img", "batch_idx", "cls", "bboxes"), names,
                            self.save_dir / f"train_batch{ni}.jpg")  # fmt: skip
        self.on_plot(self.save_dir / f"train_batch{ni}.jpg")

    def plot_training_labels(self) -> None:
        """labels.jpg: class counts, box centres and sizes over the training set."""
        labels = getattr(self.train_loader.dataset, "labels", None)
        if not isinstance(labels, list) or not labels or not isinstance(labels[0], dict) or "bboxes" not in labels[0]:
            return  # classification sets have no boxes
        cls = np.concatenate([lb["cls"].reshape(-1) for lb in labels])
        boxes = np.concatenate([lb["bboxes"][:, :4].reshape(-1, 4) for lb in labels])
        self.plotter.submit(curves.plot_labels, cls, boxes, self.data.get("names", {}), self.save_dir / "labels.jpg")
        self.on_plot(self.save_dir / "labels.jpg")

    def plot_metrics(self) -> None:
        """results.png from results.csv."""
        if self.csv.is_file():
            self.plotter.submit(curves.plot_results, self.csv)
            self.on_plot(self.save_dir / "results.png")

    def on_plot(self, name: str | Path, data: dict | None = None) -> None:
        """Remember a plot (path -> data, timestamp) for the loggers."""
        self.plots[Path(name)] = {"data": data, "timestamp": time.time()}

    def validate(self) -> tuple[dict | None, float | None]:
        """Run the validator on the EMA model -> (metrics dict, fitness); tracks best_fitness."""
        final = self.epoch + 1 >= self.epochs  # plots once, on the last epoch; validation losses every time
        metrics = self.validator(self, plots=self.args.plots and final, loss_fn=unwrap_model(self.model).loss)
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


def _compile(model: nn.Module, mode: Any, device: torch.device) -> nn.Module:
    """compile=True|mode: torch.compile the model, checked on one small forward; uncompiled, with a warning, where
    this torch, platform or device cannot (e.g. no C++ compiler for CPU kernels)."""
    mode = "default" if mode is True else str(mode)
    try:
        compiled = torch.compile(model, mode=mode)
        model.eval()  # the probe must not move BatchNorm statistics
        with torch.no_grad():
            compiled(torch.zeros(1, 3, 64, 64, device=device))
    except Exception as e:
        LOGGER.warning(f"compile={mode}: torch.compile does not work here ({type(e).__name__}: {str(e)[:200]}); "
                       "training without it.")  # fmt: skip
        return model
    finally:
        model.train()
    LOGGER.info(f"compile={mode}: the model is compiled with torch.compile")
    return compiled


def _is_auto(batch: Any) -> bool:
    """batch=-1 or a fraction in (0, 1) asks AutoBatch."""
    return batch == -1 or (isinstance(batch, float) and 0 < batch < 1)


def _cpu(batch: dict, *keys: str) -> list[np.ndarray]:
    """numpy copies of batch entries (taken before the loop goes on, drawn later by the plot thread)."""
    return [batch[k].detach().cpu().numpy() if isinstance(batch[k], torch.Tensor) else np.asarray(batch[k]) for k in keys]


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
