"""Explorer: a data set's images as embedding rows in LanceDB, searched by similarity and by SQL (DuckDB)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import CloneError, ConfigError, SourceError

from .utils import fingerprint, plot_query_result, require

RETURN_TYPES = ("pandas", "arrow")
# `labels LIKE '%x%'` (the usual filter) on the list column means: some label matches the pattern
_FROM_TABLE = re.compile(r"\bFROM\s+(['\"]?)table\1(?=[\s;)]|$)", re.IGNORECASE)  # `table` is a keyword
_LABELS_LIKE = re.compile(r"\blabels\s+(NOT\s+)?(I?LIKE)\s+('(?:[^']|'')*')", re.IGNORECASE)


class Explorer:
    """`Explorer(data="shapes-det.yaml", model="yolo11n.pt")`: embeddings from the detector's own `embed()`.

    The table lives in `uri` (default: an `explorer/` folder beside the data set) and is reused while the images,
    the model file and imgsz are unchanged; `create_embeddings_table(force=True)` rebuilds it.
    """

    def __init__(self, data: str | Path = "shapes-det.yaml", model: str = "yolo11n.pt", uri: str | Path | None = None,
                 imgsz: int = 640) -> None:  # fmt: skip
        from ultralytics_clone.data.checks import check_det_dataset
        from ultralytics_clone.models.yolo.model import YOLO

        self.lancedb = require("lancedb")
        require("duckdb")
        self.data = str(data)
        self.data_info = check_det_dataset(data)
        self.model = model if hasattr(model, "embed") else YOLO(model)
        self.model_path = str(getattr(self.model, "ckpt_path", None) or getattr(self.model, "cfg", None) or model)
        self.imgsz = imgsz
        self.uri = Path(uri) if uri else Path(self.data_info["path"]) / "explorer"
        self.connection = None
        self.table = None
        self.table_name = (
            f"{Path(self.data).stem}_{Path(self.model_path).stem}".lower().replace("-", "_").replace(" ", "_")
        )
        self.sim_index = None
        self.progress = 0.0

    # ---------------------------------------------------------------------------------------------------- table
    def create_embeddings_table(self, force: bool = False, split: str = "train") -> None:
        """Embed every image of `split` (one row: im_file, labels, cls, bboxes xyxy px, vector); reuse when current."""
        from tqdm.auto import tqdm

        from ultralytics_clone.cfg import get_cfg
        from ultralytics_clone.data.dataset import YOLODataset

        if split not in self.data_info or not self.data_info[split]:
            raise ConfigError(f"split='{split}' is not in '{self.data}'; accepted: train, val, test (those it defines).")
        dataset = YOLODataset(img_path=self.data_info[split], data=self.data_info, task="detect", imgsz=self.imgsz,
                              augment=False, hyp=get_cfg(overrides={"imgsz": self.imgsz}))  # fmt: skip
        files = list(dataset.im_files)
        stamp = fingerprint(files, self.model_path, self.imgsz)
        self.uri.mkdir(parents=True, exist_ok=True)
        self.connection = self.lancedb.connect(str(self.uri))
        meta = self.uri / f"{self.table_name}.json"
        if not force and self.table_name in self._table_names() and meta.is_file():
            if json.loads(meta.read_text()).get("fingerprint") == stamp:
                LOGGER.info(f"Explorer: reusing table '{self.table_name}' in '{self.uri}' ({len(files)} images)")
                self.table = self.connection.open_table(self.table_name)
                return
        names = self.data_info["names"]
        rows = {"im_file": [], "labels": [], "cls": [], "bboxes": [], "vector": []}
        batch = 32
        bar = tqdm(range(0, len(files), batch), desc="Explorer: embedding images", unit="batch")
        for start in bar:
            vectors = self._embed(files[start : start + batch])
            for i, vec in enumerate(vectors, start):
                label = dataset.labels[i]
                h, w = label["shape"]
                cls = label["cls"].reshape(-1).astype(int).tolist()
                xywh = np.asarray(label["bboxes"]).reshape(-1, 4)
                xyxy = np.concatenate([xywh[:, :2] - xywh[:, 2:] / 2, xywh[:, :2] + xywh[:, 2:] / 2], 1) * [w, h, w, h]
                rows["im_file"].append(files[i])
                rows["labels"].append([names[c] for c in cls])
                rows["cls"].append(cls)
                rows["bboxes"].append(xyxy.round(2).tolist())
                rows["vector"].append(vec)
            self.progress = min(1.0, (start + batch) / max(len(files), 1))
        self.table = self.connection.create_table(self.table_name, data=self._arrow(rows), mode="overwrite")
        from ultralytics_clone.utils.files import atomic_write

        atomic_write(meta, json.dumps({"fingerprint": stamp, "data": self.data, "model": self.model_path}))
        self.sim_index = None
        LOGGER.info(f"Explorer: table '{self.table_name}' written to '{self.uri}' ({len(files)} images)")

    def _table_names(self) -> list[str]:
        listing = getattr(self.connection, "list_tables", None) or self.connection.table_names
        names = listing()
        return list(getattr(names, "tables", names))

    @staticmethod
    def _arrow(rows: dict[str, list]) -> Any:
        pa = require("pyarrow")
        dim = len(rows["vector"][0]) if rows["vector"] else 1
        schema = pa.schema([
            ("im_file", pa.string()),
            ("labels", pa.list_(pa.string())),
            ("cls", pa.list_(pa.int64())),
            ("bboxes", pa.list_(pa.list_(pa.float32()))),
            ("vector", pa.list_(pa.float32(), dim)),
        ])  # fmt: skip
        return pa.table(rows, schema=schema)

    def _embed(self, images: list[Any]) -> list[list[float]]:
        """Feature vectors (lists of floats) for image paths or arrays."""
        out = self.model.embed(images, imgsz=self.imgsz, verbose=False, batch=len(images))
        return [v.detach().float().cpu().numpy().reshape(-1).tolist() for v in out]

    def _check_table(self) -> None:
        if self.table is None:
            raise ConfigError("Explorer has no table yet: call create_embeddings_table() first.")

    @staticmethod
    def _check_return_type(return_type: str) -> None:
        if return_type not in RETURN_TYPES:
            raise ConfigError(f"return_type='{return_type}' is not valid; accepted: {', '.join(RETURN_TYPES)}.")

    # ---------------------------------------------------------------------------------------------- similarity
    def query(self, imgs: Any = None, limit: int = 25) -> Any:
        """Rows nearest to the mean embedding of one or more images (paths or arrays), as an Arrow table."""
        self._check_table()
        imgs = imgs if isinstance(imgs, (list, tuple)) else [imgs]
        for im in imgs:
            if isinstance(im, (str, Path)) and not str(im).startswith(("http://", "https://")) and not Path(im).is_file():
                raise SourceError(f"Explorer query image '{im}' does not exist.")
        vector = np.mean(np.asarray(self._embed(list(imgs)), dtype=np.float32), axis=0)
        return self.table.search(vector).limit(limit).to_arrow()

    def get_similar(self, img: Any = None, idx: int | list[int] | None = None, limit: int = 25,
                    return_type: str = "pandas") -> Any:  # fmt: skip
        """The `limit` images most similar to `img` (path/array or a list) or to table rows `idx`, nearest first."""
        self._check_return_type(return_type)
        if (img is None) == (idx is None):
            raise ConfigError("get_similar needs exactly one of img= (image path(s) or arrays) or idx= (row index(es)).")
        if idx is not None:
            self._check_table()
            ids = [idx] if isinstance(idx, int) else list(idx)
            vectors = self._vectors()
            if any(not 0 <= i < len(vectors) for i in ids):
                raise ConfigError(f"idx={idx} is out of range; the table has rows 0-{len(vectors) - 1}.")
            result = self.table.search(vectors[ids].mean(0)).limit(limit).to_arrow()
        else:
            result = self.query(img, limit=limit)
        return result.to_pandas() if return_type == "pandas" else result

    def plot_similar(self, img: Any = None, idx: int | list[int] | None = None, limit: int = 25,
                     labels: bool = True) -> np.ndarray:  # fmt: skip
        """A grid image (BGR ndarray) of get_similar's rows."""
        return plot_query_result(self.get_similar(img, idx, limit, return_type="arrow"), plot_labels=labels)

    def _vectors(self) -> np.ndarray:
        return np.asarray(self.table.to_arrow()["vector"].to_pylist(), dtype=np.float32)

    def similarity_index(self, max_dist: float = 0.2, top_k: float | None = None, force: bool = False) -> Any:
        """Per image: how many others lie within squared-L2 `max_dist` (among the `top_k` fraction nearest), which."""
        self._check_table()
        if self.sim_index is not None and not force and self.sim_index[0] == (max_dist, top_k):
            return self.sim_index[1]
        pd = require("pandas")
        if top_k is not None and not 0 < top_k <= 1:
            raise ConfigError(f"top_k={top_k} is not valid; accepted: a fraction between 0 and 1, or None.")
        table = self.table.to_arrow()
        vec = np.asarray(table["vector"].to_pylist(), dtype=np.float32)
        files = table["im_file"].to_pylist()
        sq = (vec * vec).sum(1)
        dist = np.maximum(sq[:, None] + sq[None] - 2 * vec @ vec.T, 0)  # squared L2, as LanceDB's l2 metric
        np.fill_diagonal(dist, np.inf)
        near = dist <= max_dist
        if top_k is not None:
            k = max(1, int(len(vec) * top_k))
            order = np.argsort(dist, axis=1)[:, :k]
            keep = np.zeros_like(near)
            np.put_along_axis(keep, order, True, axis=1)
            near &= keep
        df = pd.DataFrame({
            "idx": np.arange(len(vec)),
            "im_file": files,
            "count": near.sum(1),
            "sim_im_files": [[files[j] for j in np.flatnonzero(row)] for row in near],
        })  # fmt: skip
        self.sim_index = ((max_dist, top_k), df)
        return df

    def plot_similarity_index(self, max_dist: float = 0.2, top_k: float | None = None, force: bool = False) -> np.ndarray:
        """A bar chart (RGB ndarray) of how many near-duplicates each image has."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        df = self.similarity_index(max_dist, top_k, force)
        fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
        ax.bar(df["idx"], df["count"])
        ax.set_xlabel("image index")
        ax.set_ylabel("similar images")
        ax.set_title(f"Similarity index (max_dist={max_dist})")
        fig.tight_layout()
        fig.canvas.draw()
        image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
        plt.close(fig)
        return image

    # ------------------------------------------------------------------------------------------------------ SQL
    def sql_query(self, query: str, return_type: str = "pandas") -> Any:
        """DuckDB SQL over the table, named `table`: a full SELECT, or a clause starting with WHERE/ORDER/LIMIT.

        `labels` is a list column; `labels LIKE '%car%'` is read as "some label matches" (DuckDB has no LIKE on lists).
        """
        self._check_table()
        self._check_return_type(return_type)
        duckdb = require("duckdb")
        q = query.strip()
        head = q.split(None, 1)[0].upper() if q else ""
        if head in {"WHERE", "ORDER", "LIMIT", "GROUP"}:
            q = f"SELECT * FROM table {q}"
        elif head != "SELECT":
            raise ConfigError(f"sql_query accepts a SELECT statement or a clause starting with WHERE; got '{query}'.")
        q = _LABELS_LIKE.sub(lambda m: f"({m[1] or ''}EXISTS (SELECT 1 FROM unnest(labels) AS _u(_l) WHERE _l {m[2]} {m[3]}))", q)
        con = duckdb.connect()
        try:
            con.register("table", self.table.to_arrow())
            relation = con.sql(_FROM_TABLE.sub('FROM "table"', q))
            arrow = (getattr(relation, "to_arrow_table", None) or relation.arrow)()  # DuckDB 2 renamed arrow()
        except duckdb.Error as e:
            raise ConfigError(f"sql_query failed: {str(e).splitlines()[0]} (query: {q})") from None
        finally:
            con.close()
        return arrow.to_pandas() if return_type == "pandas" else arrow

    def plot_sql_query(self, query: str, labels: bool = True) -> np.ndarray:
        """A grid image (BGR ndarray) of the rows a SQL query returns."""
        return plot_query_result(self.sql_query(query, return_type="arrow"), plot_labels=labels)

    def ask_ai(self, query: str) -> Any:
        """Natural-language search needs a hosted language model, which this offline package does not call."""
        raise CloneError(
            "Explorer.ask_ai needs a hosted language model and network access, which ultralytics_clone does not use; "
            "write the filter as SQL with sql_query(\"WHERE labels LIKE '%person%'\") instead."
        )
