"""Dataset YAML / folder resolution: find the file, resolve split paths, download or generate what is missing."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ultralytics_clone.utils import LOGGER, ROOT
from ultralytics_clone.utils.errors import DatasetError

DATASETS_CFG = ROOT / "cfg" / "datasets"
ASSETS_DATA_URL = "https://github.com/ultralytics/assets/releases/download/v0.0.0"
CLS_DOWNLOADS = {
    "imagenet10", "imagenette", "imagenette160", "imagenette320", "imagewoof", "imagewoof160", "imagewoof320",
    "mnist160", "mnist", "cifar10", "cifar100", "caltech101", "caltech256", "fashion-mnist",
}  # fmt: skip


def _datasets_dir() -> Path:
    """SETTINGS['datasets_dir'] as a Path."""
    from ultralytics_clone.utils.settings import SETTINGS

    return Path(SETTINGS["datasets_dir"])


def find_dataset_yaml(dataset: str | Path) -> Path:
    """A YAML path as given, else the package's own `cfg/datasets/<name>[.yaml]`; DatasetError when neither exists."""
    p = Path(str(dataset).strip())
    if _is_archive(dataset):
        return _yaml_from_archive(str(dataset).strip())
    if p.is_file():
        return p
    for cand in (DATASETS_CFG / p.name, DATASETS_CFG / f"{p.name}.yaml"):
        if len(p.parts) == 1 and cand.is_file():
            return cand
    builtins = sorted(f.name for f in DATASETS_CFG.glob("*.yaml"))
    raise DatasetError(
        f"dataset '{dataset}' not found: it is not an existing file and not one of the package's dataset YAMLs "
        f"({', '.join(builtins)}). Pass the path of a dataset YAML file."
    )


def _is_archive(dataset: str | Path) -> bool:
    """A data set given as a .zip/.tar(.gz) file or URL."""
    return str(dataset).strip().lower().endswith((".zip", ".tar", ".tar.gz", ".tgz"))


def _yaml_from_archive(spec: str) -> Path:
    """Unpack a local or downloaded archive into datasets_dir (once) and return the dataset YAML found inside."""
    from ultralytics_clone.utils.downloads import is_url, unzip_file

    stem = Path(spec.split("?")[0]).name.split(".")[0]
    root = _datasets_dir() / stem
    if not any(root.rglob("*.yaml")):
        if is_url(spec):
            _fetch_archive(spec, root)
        elif Path(spec).is_file():
            unzip_file(spec, path=root.parent if _single_top(_archive_names(Path(spec)), stem) else root, exist_ok=True)
        else:
            raise DatasetError(f"dataset archive '{spec}' does not exist.")
    found = sorted(root.rglob("*.yaml"), key=lambda f: (len(f.parts), str(f)))
    if not found:
        raise DatasetError(f"dataset archive '{spec}' holds no dataset YAML file (looked in {root}).")
    return found[0]


def _single_top(names: list[str], top: str) -> bool:
    """True when every member of an archive sits inside one folder named `top`."""
    tops = {Path(n).parts[0] for n in names if Path(n).parts}
    return tops == {top} and any(len(Path(n).parts) > 1 for n in names)


def yaml_key_lines(file: str | Path) -> dict[str, int]:
    """1-based line of each top-level key of a YAML mapping, and 'key[i]' for items of list values."""
    import yaml

    try:
        node = yaml.compose(Path(file).read_text(encoding="utf-8", errors="replace"))
    except (yaml.YAMLError, OSError):
        return {}
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            lines[str(k.value)] = k.start_mark.line + 1
            if isinstance(v, yaml.SequenceNode):
                for i, item in enumerate(v.value):
                    lines[f"{k.value}[{i}]"] = item.start_mark.line + 1
    return lines


def _names(data: dict, where: str) -> dict[int, str]:
    """names as {index: name} from a list or dict, or class0.. from nc; checks nc agrees."""
    names, nc = data.get("names"), data.get("nc")
    if names is None:
        if nc is None:
            raise DatasetError(f"{where}: neither 'names' nor 'nc' is given; add 'names: [cat, dog, ...]'.")
        names = [f"class{i}" for i in range(int(nc))]
    if isinstance(names, (list, tuple)):
        names = dict(enumerate(names))
    if not isinstance(names, dict):
        raise DatasetError(f"{where}: 'names' must be a list or an index->name mapping, got {type(names).__name__}.")
    names = {int(k): str(v) for k, v in names.items()}
    if sorted(names) != list(range(len(names))):
        raise DatasetError(f"{where}: 'names' keys must be 0..{len(names) - 1}, got {sorted(names)}.")
    if nc is not None and int(nc) != len(names):
        raise DatasetError(f"{where}: nc={nc} but 'names' lists {len(names)} classes; make them agree.")
    return names


def _check_pose(data: dict, where: str) -> None:
    """kpt_shape [K, 2|3] and, when given, flip_idx: a permutation of range(K)."""
    ks = data.get("kpt_shape")
    if ks is None:
        return
    if not (isinstance(ks, (list, tuple)) and len(ks) == 2 and int(ks[0]) > 0 and int(ks[1]) in {2, 3}):
        raise DatasetError(f"{where}: kpt_shape must be [K, 2] or [K, 3], got {ks}.")
    data["kpt_shape"] = [int(ks[0]), int(ks[1])]
    fi = data.get("flip_idx")
    if fi is not None and sorted(int(i) for i in fi) != list(range(int(ks[0]))):
        raise DatasetError(f"{where}: flip_idx must be a permutation of 0..{int(ks[0]) - 1}, got {fi}.")


def _root(data: dict, yaml_dir: Path | None) -> Path:
    """Dataset root: absolute `path`, else relative to the YAML folder if that exists, else to datasets_dir."""
    raw = data.get("path")
    if raw in (None, ""):
        return yaml_dir.resolve() if yaml_dir else Path.cwd()
    p = Path(str(raw)).expanduser()
    if p.is_absolute():
        return p
    cands = ([yaml_dir / p] if yaml_dir else []) + [_datasets_dir() / p]
    return next((c.resolve() for c in cands if c.exists()), cands[-1].resolve())


def _resolve_split(value: Any, root: Path) -> str | list[str]:
    """Each entry of a split (folder, .txt list or image file) as an absolute path under `root`."""
    if isinstance(value, (list, tuple)):
        return [str(_resolve_one(v, root)) for v in value]
    return str(_resolve_one(value, root))


def _resolve_one(value: Any, root: Path) -> Path:
    """One split entry: absolute as given, else `root/value`."""
    p = Path(str(value)).expanduser()
    return p if p.is_absolute() else (root / p).resolve()


def _missing(data: dict, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """(key or key[i], path) of every split entry that does not exist."""
    out = []
    for k in keys:
        v = data.get(k)
        if v is None:
            continue
        for i, p in enumerate(v if isinstance(v, list) else [v]):
            if not Path(p).exists():
                out.append((f"{k}[{i}]" if isinstance(v, list) else k, p))
    return out


def _download(spec: Any, root: Path, where: str) -> None:
    """Fetch a `download:` value: URL(s) of archives unpacked at the data set root, or a built-in generator name."""
    from ultralytics_clone.data.synthetic import GENERATORS, build_synthetic
    from ultralytics_clone.utils.downloads import is_url

    if isinstance(spec, str) and spec.strip() in GENERATORS:
        build_synthetic(spec.strip(), root)
        return
    urls = spec if isinstance(spec, (list, tuple)) else [spec]
    if not all(isinstance(u, str) and is_url(u.strip()) for u in urls):
        raise DatasetError(
            f"{where}: 'download' must be a URL, a list of URLs or a built-in generator name "
            f"({', '.join(sorted(GENERATORS))}); got {str(spec)[:80]!r}. Scripts are never executed: "
            "download the data yourself and fix the paths."
        )
    for url in urls:
        _fetch_archive(url.strip(), root)


def _fetch_archive(url: str, root: Path) -> Path:
    """Download `url` next to `root`; unpack it so its content lands in `root` (single top folder or not)."""
    from ultralytics_clone.utils.downloads import ARCHIVE_SUFFIXES, safe_download, unzip_file

    root.parent.mkdir(parents=True, exist_ok=True)
    file = safe_download(url, dir=root.parent, unzip=False)
    if not str(file).endswith(ARCHIVE_SUFFIXES):
        return file
    single = _single_top(_archive_names(file), root.name)
    try:
        return unzip_file(file, path=root.parent if single else root, exist_ok=True)
    finally:
        file.unlink(missing_ok=True)  # unpacked, or refused: either way not kept


def _archive_names(file: Path) -> list[str]:
    """Member names of a zip or tar archive (empty when unreadable: unzip_file then reports the problem)."""
    import tarfile

    try:
        if zipfile.is_zipfile(file):
            with zipfile.ZipFile(file) as zf:
                return zf.namelist()
        with tarfile.open(file) as tf:
            return tf.getnames()
    except (OSError, tarfile.TarError, zipfile.BadZipFile):
        return []


def check_det_dataset(dataset: str | Path | dict, autodownload: bool = True, split: str = "") -> dict[str, Any]:
    """Load and resolve a detect/segment/pose/obb dataset YAML: absolute split paths, names dict, nc, kpt_shape.

    Missing splits are downloaded (URL archive) or generated (built-in name) when `download:` says how; a split still
    missing raises DatasetError naming the folder and the YAML file and line. With `split` ('val', 'test'...), only
    that split has to exist (validation needs no training images); by default train and val do.
    """
    from ultralytics_clone.utils.files import yaml_load

    if isinstance(dataset, dict):
        data, file = dict(dataset), Path(dataset["yaml_file"]) if dataset.get("yaml_file") else None
    else:
        file = find_dataset_yaml(dataset)
        data = yaml_load(file)
    where = f"dataset YAML '{file}'" if file else "dataset dict"
    if not isinstance(data, dict):
        raise DatasetError(f"{where} must hold a mapping with train/val/names keys, got {type(data).__name__}.")
    if "val" not in data and "validation" in data:
        data["val"] = data.pop("validation")
    required = (split,) if split else ("train", "val")
    for k in required:
        if k not in data:
            raise DatasetError(f"{where} has no '{k}' key; it needs {' and '.join(repr(r) for r in required)} (folder, list or .txt).")
    _refuse_classification_set(data, where)
    data["names"] = _names(data, where)
    data["nc"] = len(data["names"])
    data.setdefault("channels", 3)
    _check_pose(data, where)
    root = _root(data, file.parent if file else None)
    data["path"] = str(root)
    for k in ("train", "val", "test", "minival"):
        if data.get(k):
            data[k] = _resolve_split(data[k], root)
    missing = _missing(data, required)
    if missing and data.get("download") and autodownload:
        LOGGER.info(f"Dataset not found locally ({missing[0][1]}), fetching it via 'download' of {where}...")
        _download(data["download"], root, where)
        missing = _missing(data, required)
    if missing:
        lines = yaml_key_lines(file) if file else {}
        key, path = missing[0]
        line = lines.get(key, lines.get(key.split("[")[0]))
        loc = f"{file}, line {line} ('{key}')" if line else f"{where} ('{key}')"
        how = "" if data.get("download") else " The YAML has no 'download' key to fetch it."
        raise DatasetError(f"dataset folder '{path}' does not exist; it is set at {loc}.{how} Fix the path or 'path:'.")
    if file:
        data["yaml_file"] = str(file)
    return data


def _refuse_classification_set(data: dict, where: str) -> None:
    """A built-in classification set has no box labels: say so instead of training on backgrounds only."""
    from ultralytics_clone.data.synthetic import GENERATORS

    if GENERATORS.get(str(data.get("download"))) == "classify":
        raise DatasetError(
            f"{where} is the classification data set '{data['download']}' (class folders, no box labels), so "
            "detect/segment/pose/obb models cannot train or validate on it. Use a -cls model such as "
            "'yolo11n-cls.yaml' with it, or shapes-det.yaml / shapes-seg.yaml / shapes-pose.yaml / shapes-obb.yaml."
        )


def check_cls_dataset(dataset: str | Path, split: str = "") -> dict[str, Any]:
    """Resolve a classification folder (train/<class>/*, val/ or test/) by path, name in datasets_dir, or built-in name.

    Returns {'train', 'val', 'test', 'nc', 'names'}; a missing known data set is generated or downloaded first.
    """
    from ultralytics_clone.data.synthetic import GENERATORS, build_synthetic
    from ultralytics_clone.utils.downloads import is_url

    text = str(dataset).strip()
    if text.endswith((".yaml", ".yml")):
        return _cls_from_yaml(text, split)
    if is_url(text):
        root = Path(_fetch_archive(text, _datasets_dir() / Path(text).name.split(".")[0]))
    else:
        root = Path(text).expanduser()
        if not root.is_dir():
            root = _datasets_dir() / text
        if not root.is_dir():
            if text in GENERATORS and GENERATORS[text] == "classify":
                build_synthetic(text, root)
            elif text in CLS_DOWNLOADS:
                _fetch_archive(f"{ASSETS_DATA_URL}/{text}.zip", root)
            else:
                raise DatasetError(
                    f"classification data set '{dataset}' not found: '{root}' is not a folder. Give a folder holding "
                    f"train/<class>/ and val/<class>/, or a known name: {', '.join(sorted(CLS_DOWNLOADS))}, shapes-cls."
                )
    return _cls_layout(root, split)


def _cls_from_yaml(file: str, split: str) -> dict[str, Any]:
    """A classification YAML: `path` (+ optional `download`) pointing at the class folders."""
    from ultralytics_clone.utils.files import yaml_load

    f = find_dataset_yaml(file)
    data = yaml_load(f)
    root = _root(data, f.parent)
    if not (root / "train").is_dir() and data.get("download"):
        _download(data["download"], root, f"dataset YAML '{f}'")
    out = _cls_layout(root, split)
    if data.get("names"):
        out["names"] = _names(data, f"dataset YAML '{f}'")
        out["nc"] = len(out["names"])
    return out


def _cls_layout(root: Path, split: str) -> dict[str, Any]:
    """train/val/test folders and the class names (sorted sub-folders of train)."""
    train = root / "train"
    if not train.is_dir():
        raise DatasetError(f"classification data set '{root}' has no 'train' folder; expected {train}/<class>/*.jpg.")
    val = next((root / s for s in ("val", "validation", "test") if (root / s).is_dir()), None)
    test = root / "test" if (root / "test").is_dir() else None
    if split and split not in {"train", "val", "test"}:
        raise DatasetError(f"split '{split}' is not one of train, val, test.")
    if split == "test" and test is None:
        LOGGER.warning(f"{root} has no 'test' folder, using '{val.name if val else 'train'}' instead")
    if val is None:
        LOGGER.warning(f"{root} has no 'val' or 'test' folder; validation will use 'train'")
        val = train
    names = dict(enumerate(sorted(d.name for d in train.iterdir() if d.is_dir())))
    if not names:
        raise DatasetError(f"classification folder '{train}' has no class sub-folders; expected {train}/<class>/*.jpg")
    return {
        "path": str(root), "train": str(train), "val": str(val), "test": str(test or val),
        "nc": len(names), "names": names,
    }  # fmt: skip


__all__ = ["check_det_dataset", "check_cls_dataset", "find_dataset_yaml", "yaml_key_lines", "DATASETS_CFG"]
