"""Explorer: the seed block on the built-in set, similarity ranking, SQL against a hand filter, reuse, dashboard."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from ultralytics_clone.utils.errors import CloneError, ConfigError
from ultralytics_clone.utils.settings import SETTINGS

IMGSZ = 64


@pytest.fixture(scope="module")
def yolo11n_in_weights_dir(fixtures_dir):
    dest = Path(SETTINGS["weights_dir"]) / "yolo11n.pt"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixtures_dir / "yolo11n.pt", dest)
    yield dest
    dest.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def small_set(shapes_data, tmp_path_factory) -> Path:
    """12 built-in images and one exact duplicate, with their labels, as a data set YAML."""
    src = shapes_data["detect"]
    root = tmp_path_factory.mktemp("explorer set")
    (root / "images").mkdir()
    (root / "labels").mkdir()
    files = sorted(Path(src["train"]).glob("*.jpg"))[:12]
    for f in files:
        shutil.copy(f, root / "images" / f.name)
        shutil.copy(Path(str(f).replace("/images/", "/labels/")).with_suffix(".txt"), root / "labels" / f"{f.stem}.txt")
    shutil.copy(files[3], root / "images" / "dup.jpg")
    shutil.copy(root / "labels" / f"{files[3].stem}.txt", root / "labels" / "dup.txt")
    cfg = root / "set.yaml"
    cfg.write_text(yaml.safe_dump({"path": str(root), "train": "images", "val": "images", "names": src["names"]}))
    return cfg


@pytest.fixture(scope="module")
def explorer(small_set, yolo11n_in_weights_dir):
    from ultralytics_clone import Explorer

    exp = Explorer(data=str(small_set), model="yolo11n.pt", imgsz=IMGSZ)
    exp.create_embeddings_table()
    return exp


def test_seed_explorer_block_on_the_builtin_set(yolo11n_in_weights_dir, shapes_data, tmp_path):
    from ultralytics_clone import Explorer

    local = sorted(Path(shapes_data["detect"]["val"]).glob("*.jpg"))[0]
    exp = Explorer(data="shapes-det.yaml", model="yolo11n.pt", uri=tmp_path / "db", imgsz=IMGSZ)
    exp.create_embeddings_table()
    similar = exp.get_similar(img=str(local), limit=10)
    assert len(similar.head()) == 5 and len(similar) == 10
    similar = exp.get_similar(img=[str(local), str(local)], limit=10)
    assert list(similar.columns[:4]) == ["im_file", "labels", "cls", "bboxes"]
    assert (np.diff(similar["_distance"].to_numpy()) >= 0).all()


def test_exact_duplicate_ranks_first(explorer, small_set):
    images = Path(small_set).parent / "images"
    query = images / "dup.jpg"
    twin = sorted(p.name for p in images.iterdir() if p.name != "dup.jpg")[3]  # dup.jpg is a copy of it
    top = explorer.get_similar(img=str(query), limit=3)
    assert {Path(f).name for f in top["im_file"][:2]} == {"dup.jpg", twin}
    assert (top["_distance"].to_numpy()[:2] < 1e-6).all() and top["_distance"].iloc[2] > 1e-6
    by_idx = explorer.get_similar(idx=0, limit=2, return_type="arrow")
    assert by_idx.num_rows == 2 and by_idx["_distance"][0].as_py() < 1e-6
    grid = explorer.plot_similar(idx=[0, 1], limit=4)
    assert grid.ndim == 3 and grid.std() > 0


def test_sql_query_matches_a_hand_filter(explorer):
    rows = explorer.table.to_pandas()
    name = rows["labels"].explode().dropna().iloc[0]
    expected = sorted(f for f, labels in zip(rows["im_file"], rows["labels"]) if any(name in lb for lb in labels))
    got = explorer.sql_query(f"WHERE labels LIKE '%{name}%'")
    assert sorted(got["im_file"]) == expected and 0 < len(expected) < len(rows)
    got = explorer.sql_query(f"SELECT im_file FROM 'table' WHERE labels NOT LIKE '%{name}%'", return_type="arrow")
    assert sorted(got["im_file"].to_pylist()) == sorted(set(rows["im_file"]) - set(expected))
    assert explorer.plot_sql_query("LIMIT 3").shape[2] == 3
    with pytest.raises(ConfigError, match="SELECT statement or a clause"):
        explorer.sql_query("DROP TABLE x")
    with pytest.raises(ConfigError, match="sql_query failed"):
        explorer.sql_query("WHERE no_such_column = 1")
    with pytest.raises(ConfigError, match="return_type='json'"):
        explorer.sql_query("LIMIT 1", return_type="json")


def test_similarity_index_finds_the_duplicate_pair(explorer):
    df = explorer.similarity_index(max_dist=1e-6)
    dup = df[df["im_file"].str.endswith("dup.jpg")]
    assert int(dup["count"].iloc[0]) == 1 and df["count"].sum() == 2
    assert explorer.plot_similarity_index(max_dist=1e-6).shape[2] == 3
    with pytest.raises(ConfigError, match="top_k"):
        explorer.similarity_index(top_k=2)


def test_table_reused_until_forced(explorer, small_set, data_log):
    from ultralytics_clone import Explorer

    again = Explorer(data=str(small_set), model="yolo11n.pt", imgsz=IMGSZ)
    again.create_embeddings_table()
    assert any("reusing table" in m for m in data_log)
    data_log.clear()
    again.create_embeddings_table(force=True)
    assert any("written to" in m for m in data_log)
    assert again.table.count_rows() == 13


def test_bad_calls_are_one_sentence(explorer):
    with pytest.raises(ConfigError, match="exactly one of img= .* or idx="):
        explorer.get_similar()
    with pytest.raises(ConfigError, match="out of range"):
        explorer.get_similar(idx=99)
    with pytest.raises(CloneError, match="hosted language model"):
        explorer.ask_ai("images with two circles")
    with pytest.raises(CloneError, match="does not exist"):
        explorer.get_similar(img="nowhere.jpg")


def test_missing_extra_names_it(monkeypatch, small_set):
    from ultralytics_clone.data.explorer import Explorer

    monkeypatch.setitem(sys.modules, "lancedb", None)  # what an environment without the extra sees
    with pytest.raises(ImportError, match=r"ultralytics-clone\[explorer\]"):
        Explorer(data=str(small_set), model="yolo11n.yaml")


def test_dashboard_runs_headless(explorer, small_set, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from ultralytics_clone.data.explorer.gui import DASH

    monkeypatch.setenv("EXPLORER_DATA", str(small_set))
    monkeypatch.setenv("EXPLORER_MODEL", "yolo11n.pt")
    monkeypatch.setenv("EXPLORER_IMGSZ", str(IMGSZ))
    at = AppTest.from_file(str(DASH), default_timeout=300).run()
    at.button(key="build").click().run()
    assert not at.exception
    assert "13 images" in at.subheader[0].value
    at.button(key="find_similar").click().run()
    assert not at.exception
    similar = at.session_state["similar_rows"]
    assert len(similar) >= 1 and similar["_distance"].iloc[0] < 1e-6
    assert len(at.dataframe) == 2


def test_yolo_explorer_rejects_unknown_keys(subprocess_env):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "ultralytics_clone.cfg.cli", "explorer", "datas=x.yaml"],
                       capture_output=True, text=True, env=subprocess_env, timeout=120)  # fmt: skip
    assert r.returncode == 2 and "accepts data=, model= and imgsz=" in r.stderr and "Traceback" not in r.stderr
