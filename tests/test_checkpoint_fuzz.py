"""Fuzzing the checkpoint loader: a few hundred damaged or hostile checkpoint files each either load or raise
CheckpointError (never another exception), and never run code; the CLI answers them without a traceback."""

from __future__ import annotations

import io
import os
import pickle
import random
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import torch

from ultralytics_clone.cfg.cli import entrypoint
from ultralytics_clone.engine.checkpoint import make_checkpoint, serialize_checkpoint
from ultralytics_clone.nn.tasks import DetectionModel
from ultralytics_clone.nn.weights import load_checkpoint
from ultralytics_clone.utils.errors import CheckpointError

pytestmark = pytest.mark.usefixtures("torch_single_thread")
# A minimal detector (five convs and a Detect head): rebuilding it takes milliseconds, so hundreds of loads stay fast.
MINI = {"nc": 2, "backbone": [[-1, 1, "Conv", [8, 3, 2]]] * 5, "head": [[[2, 3, 4], 1, "Detect", ["nc"]]]}


class _Touch:
    def __init__(self, marker: Path, fn=os.system):
        self.marker, self.fn = str(marker), fn

    def __reduce__(self):
        return self.fn, (f"touch '{self.marker}'",)


@pytest.fixture(scope="module")
def clean_bytes() -> bytes:
    model = DetectionModel(MINI, verbose=False)
    model.names = {0: "a", 1: "b"}
    ckpt = make_checkpoint(model, epoch=0, train_args={"imgsz": 32}, optimizer={"state": {}, "param_groups": []})
    return serialize_checkpoint(ckpt)


def _rezip(data: bytes, pkl: bytes) -> bytes:
    """The torch zip `data` with its data.pkl replaced (valid CRCs, so the unpickler itself sees the damage)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, pkl if info.filename.endswith("/data.pkl") else src.read(info))
    return out.getvalue()


def _mutations(clean: bytes, marker: Path) -> list[tuple[str, bytes]]:
    rng = random.Random(16)
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        pkl = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))
    out: list[tuple[str, bytes]] = []
    for n in sorted(rng.sample(range(1, len(clean)), 40)) + [0, 1, 2, 22]:
        out.append((f"truncated to {n}", clean[:n]))
    for i in range(40):  # bit flips anywhere in the file (zip headers, CRCs, tensor data)
        b = bytearray(clean)
        for _ in range(rng.choice([1, 4, 32])):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        out.append((f"file flips {i}", bytes(b)))
    for i in range(140):  # damage inside the pickle stream itself, re-zipped with valid checksums
        p = bytearray(pkl)
        kind = i % 4
        if kind == 0:
            for _ in range(rng.choice([1, 3, 10])):
                p[rng.randrange(len(p))] = rng.randrange(256)
        elif kind == 1:
            del p[rng.randrange(len(p)) :]
        elif kind == 2:
            at = rng.randrange(len(p))
            p[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            a = rng.randrange(len(p))
            del p[a : a + rng.randint(1, 64)]
        out.append((f"pickle damage {i} kind {kind}", _rezip(clean, bytes(p))))
    legacy = pickle.dumps({"model": None, "epoch": 3, "train_args": {"imgsz": 32}, "names": ["a", "b"]}, protocol=2)
    for i in range(40):  # a raw / legacy-format pickle, damaged
        p = bytearray(legacy)
        p[rng.randrange(len(p))] = rng.randrange(256)
        out.append((f"raw pickle damage {i}", bytes(p[: rng.randint(1, len(p))] if i % 3 == 0 else p)))
    for i, obj in enumerate([None, 3, "text", [1, 2], (1,), {"model": 3}, {"model": {"a": 1}}, {"ema": "x"},
                             {}, {"model": [torch.zeros(2)]}, torch.zeros(3), {"a": torch.zeros(1), "b": 2},
                             {"model": None, "ema": None}, b"bytes", {"model": {"yaml": 1}}]):  # fmt: skip
        buf = io.BytesIO()
        torch.save(obj, buf)
        out.append((f"top-level {type(obj).__name__} {i}", buf.getvalue()))
    import builtins
    import subprocess

    for i, fn in enumerate([os.system, builtins.exec, builtins.eval, subprocess.getoutput, os.popen]):
        for wrap in (lambda x: x, lambda x: {"model": x}, lambda x: {"train_args": {"deep": [x]}}):
            buf = io.BytesIO()
            torch.save(wrap(_Touch(marker, fn)), buf)
            out.append((f"foreign {fn.__name__} {i}", buf.getvalue()))
            out.append((f"foreign raw {fn.__name__} {i}", pickle.dumps(wrap(_Touch(marker, fn)), protocol=2)))
    return out


def test_mutated_checkpoints_load_or_raise_checkpoint_error(clean_bytes, tmp_path):
    marker = tmp_path / "pwned"
    cases = _mutations(clean_bytes, marker)
    assert len(cases) >= 300
    f = tmp_path / "fuzz.pt"
    outcomes = {"loaded": 0, "refused": 0}
    for name, data in cases:
        f.write_bytes(data)
        try:
            load_checkpoint(f)
            outcomes["loaded"] += 1
        except CheckpointError:
            outcomes["refused"] += 1
        except Exception as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{name}: raised {type(e).__name__}: {e}")
        assert not marker.exists(), f"{name}: ran code"
    assert outcomes["loaded"] > 20 and outcomes["refused"] > 150, outcomes  # both branches exercised


def test_cli_answers_damaged_checkpoints_without_traceback(clean_bytes, tmp_path, capsys):
    marker = tmp_path / "pwned"
    cases = _mutations(clean_bytes, marker)
    picked = [c for c in cases if c[0].startswith(("truncated to 2", "pickle damage 1 ", "top-level int", "foreign exec"))]
    assert len(picked) >= 4
    for name, data in picked:
        f = tmp_path / "bad.pt"
        f.write_bytes(data)
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as exit_:
            entrypoint(f"predict model={f} source={tmp_path}")
        assert exit_.value.code == 2, (name, err.getvalue())
        assert err.getvalue().startswith("Error:") and "Traceback" not in err.getvalue(), (name, err.getvalue())
        assert not marker.exists()
