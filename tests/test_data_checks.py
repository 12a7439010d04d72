"""check_det_dataset / check_cls_dataset: YAML resolution, errors naming folder and line, URL archives, built-ins."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from ultralytics_clone.data.checks import DATASETS_CFG, check_cls_dataset, check_det_dataset, find_dataset_yaml
from ultralytics_clone.data.utils import check_det_dataset as reexported
from ultralytics_clone.utils.errors import ArchiveError, DatasetError
from ultralytics_clone.utils.settings import SETTINGS


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _tiny_set(root: Path, n: int = 2) -> None:
    """root/images/{train,val}/*.jpg (copied from shapes-det) with labels."""
    src = Path(SETTINGS["datasets_dir"]) / "shapes-det"
    for split in ("train", "val"):
        for sub, ext in (("images", "jpg"), ("labels", "txt")):
            (root / sub / split).mkdir(parents=True, exist_ok=True)
            for f in sorted((src / sub / "val").glob(f"*.{ext}"))[:n]:
                shutil.copy(f, root / sub / split / f.name)


def test_builtin_yamls_resolve_by_bare_name(shapes_data):
    assert reexported is check_det_dataset
    assert find_dataset_yaml("coco8.yaml") == DATASETS_CFG / "coco8.yaml"
    assert find_dataset_yaml("dota8") == DATASETS_CFG / "dota8.yaml"
    det = shapes_data["detect"]
    assert det["nc"] == 3 and det["names"] == {0: "circle", 1: "square", 2: "triangle"}
    assert Path(det["train"]).is_dir() and Path(det["path"]) == Path(SETTINGS["datasets_dir"]) / "shapes-det"
    pose = shapes_data["pose"]
    assert pose["kpt_shape"] == [4, 3] and pose["flip_idx"] == [1, 0, 3, 2] and pose["nc"] == 1
    with pytest.raises(DatasetError, match="not found"):
        find_dataset_yaml("no-such-set.yaml")


def test_missing_folder_names_folder_yaml_and_line(tmp_path):
    _tiny_set(tmp_path / "ds")
    text = "# my set\npath: .\ntrain: images/train\n\nval: images/missing\nnames: [a, b, c]\n"
    yaml = _write(tmp_path / "ds" / "data.yaml", text)
    with pytest.raises(DatasetError) as e:
        check_det_dataset(str(yaml))
    msg = str(e.value)
    assert str(tmp_path / "ds" / "images" / "missing") in msg and f"{yaml}, line 5" in msg
    text = "path: .\ntrain:\n  - images/train\n  - images/gone\nval: images/val\nnames: [a]\n"
    listed = _write(tmp_path / "ds" / "list.yaml", text)
    with pytest.raises(DatasetError, match=r"line 4 \('train\[1\]'\)"):
        check_det_dataset(str(listed))
    with pytest.raises(DatasetError, match="line"):  # the package's coco8.yaml offline without autodownload
        check_det_dataset("coco8.yaml", autodownload=False)


def test_paths_names_and_validation(tmp_path):
    _tiny_set(tmp_path / "ds")
    (tmp_path / "ds" / "train.txt").write_text("./images/train/val_0000.jpg\n")
    y = _write(tmp_path / "ds" / "d.yaml", "train: train.txt\nval: [images/val, images/train]\nnames: {0: x, 1: y}\n")
    d = check_det_dataset(str(y))
    assert d["path"] == str((tmp_path / "ds").resolve())
    assert d["train"] == str((tmp_path / "ds" / "train.txt").resolve())
    assert isinstance(d["val"], list) and len(d["val"]) == 2 and d["names"] == {0: "x", 1: "y"} and d["nc"] == 2
    only_nc = check_det_dataset(str(_write(tmp_path / "ds" / "n.yaml", "train: images/train\nval: images/val\nnc: 2")))
    assert only_nc["names"] == {0: "class0", 1: "class1"}
    bad = {
        "nc: 3\nnames: [a, b]\n": "nc=3",
        "names: [a]\nkpt_shape: [4, 5]\n": "kpt_shape",
        "names: [a]\nkpt_shape: [2, 3]\nflip_idx: [0, 0]\n": "flip_idx",
        "names: [a]\n": "no 'train'",
        "names: [a]\ndownload: bash get_data.sh\ntrain: nope\nval: nope\n": "Scripts are never executed",
    }
    for i, (text, words) in enumerate(bad.items()):
        head = "" if "no 'train'" in words or "nope" in text else "train: images/train\nval: images/val\n"
        with pytest.raises(DatasetError, match=words):
            check_det_dataset(str(_write(tmp_path / "ds" / f"bad{i}.yaml", head + text)))


def test_relative_path_resolves_against_datasets_dir(tmp_path):
    name = "rel-set-for-test"
    _tiny_set(Path(SETTINGS["datasets_dir"]) / name)
    y = _write(tmp_path / "elsewhere" / "d.yaml", f"path: {name}\ntrain: images/train\nval: images/val\nnames: [a]\n")
    assert check_det_dataset(str(y))["path"] == str((Path(SETTINGS["datasets_dir"]) / name).resolve())


@pytest.fixture
def http_dir(tmp_path):
    """(folder, base URL) of a throwaway HTTP server on 127.0.0.1."""
    serve = tmp_path / "www"
    serve.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(serve)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield serve, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _zip_dir(src: Path, zip_path: Path, arc_root: str, extra: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in sorted(src.rglob("*")):
            if f.is_file():
                rel = f.relative_to(src).as_posix()
                zf.write(f, f"{arc_root}/{rel}" if arc_root else rel)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)


def test_download_url_zip_from_local_server(tmp_path, http_dir):
    serve, base = http_dir
    _tiny_set(tmp_path / "src")
    _zip_dir(tmp_path / "src", serve / "webset.zip", "webset")
    _zip_dir(tmp_path / "src", serve / "flat.zip", "")  # no top-level folder: lands inside the set's root
    for name, archive in (("webset", "webset.zip"), ("flatset", "flat.zip")):
        y = _write(tmp_path / f"{name}.yaml", f"path: {name}\ntrain: images/train\nval: images/val\nnames: [a, b, c]\n"
                                               f"download: {base}/{archive}\n")  # fmt: skip
        d = check_det_dataset(str(y))
        root = Path(SETTINGS["datasets_dir"]) / name
        assert d["path"] == str(root.resolve()) and len(list((root / "images" / "train").glob("*.jpg"))) == 2
        assert not (Path(SETTINGS["datasets_dir"]) / archive).exists()  # archive removed after unpacking


def test_archive_member_escaping_target_is_never_extracted(tmp_path, http_dir):
    serve, base = http_dir
    _tiny_set(tmp_path / "src")
    _zip_dir(tmp_path / "src", serve / "evil.zip", "evilset", extra={"../escaped-by-zip.txt": b"pwned"})
    text = f"path: evilset\ntrain: images/train\nval: images/val\nnames: [a]\ndownload: {base}/evil.zip\n"
    y = _write(tmp_path / "evil.yaml", text)
    with pytest.raises(ArchiveError, match="outside"):
        check_det_dataset(str(y))
    ddir = Path(SETTINGS["datasets_dir"])
    assert not (ddir.parent / "escaped-by-zip.txt").exists() and not (ddir / "escaped-by-zip.txt").exists()
    assert not (ddir / "evilset").exists() and not (ddir / "evil.zip").exists()


def test_check_cls_dataset(shapes_data, tmp_path):
    d = shapes_data["classify"]
    assert Path(d["train"]).name == "train" and Path(d["val"]).name == "val" and d["nc"] == 3
    assert check_cls_dataset(d["path"])["names"] == d["names"]
    assert check_cls_dataset("shapes-cls.yaml")["train"] == d["train"]
    (tmp_path / "only" / "train" / "a").mkdir(parents=True)
    assert check_cls_dataset(tmp_path / "only")["val"] == str(tmp_path / "only" / "train")
    with pytest.raises(DatasetError, match="not found"):
        check_cls_dataset("definitely-not-a-dataset")


def test_dataset_given_as_zip_url_or_file(tmp_path, http_dir):
    serve, base = http_dir
    _tiny_set(tmp_path / "zipped")
    _write(tmp_path / "zipped" / "zipped.yaml", "path: .\ntrain: images/train\nval: images/val\nnames: [a, b, c]\n")
    _zip_dir(tmp_path / "zipped", serve / "zipped.zip", "zipped")
    d = check_det_dataset(f"{base}/zipped.zip")
    assert d["path"] == str((Path(SETTINGS["datasets_dir"]) / "zipped").resolve()) and d["nc"] == 3
    _zip_dir(tmp_path / "zipped", tmp_path / "local-flat.zip", "")
    assert check_det_dataset(str(tmp_path / "local-flat.zip"))["yaml_file"].endswith("local-flat/zipped.yaml")


def test_classification_set_refused_for_box_tasks():
    from ultralytics_clone import YOLO

    with pytest.raises(DatasetError, match="classification data set 'shapes-cls'.*yolo11n-cls.yaml"):
        check_det_dataset("shapes-cls.yaml")
    with pytest.raises(DatasetError, match="shapes-cls"):
        YOLO("yolo11n.yaml").train(data="shapes-cls.yaml", epochs=1, imgsz=64, workers=0)
