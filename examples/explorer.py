"""Explorer: embed a data set's images, find the images most like a query image, and query the labels with SQL.

python examples/explorer.py --model yolo11n.pt     # embeddings from a trained model (any .pt or .yaml works)
"""

from __future__ import annotations

import argparse

from ultralytics_clone import Explorer


def main(model: str = "yolo11n.yaml", data: str = "shapes-det.yaml", imgsz: int = 64, uri: str = "explorer_db") -> dict:
    exp = Explorer(data=data, model=model, uri=uri, imgsz=imgsz)
    exp.create_embeddings_table()  # one row per training image: file, labels, embedding
    similar = exp.get_similar(idx=0, limit=3)  # pandas DataFrame, closest first
    print(similar[["im_file", "labels"]])
    first_label = similar["labels"].iloc[0][0] if len(similar["labels"].iloc[0]) else ""
    matches = exp.sql_query(f"WHERE labels LIKE '%{first_label}%'")
    print(f"{0 if matches is None else len(matches)} images are labelled '{first_label}'")
    return {"similar": similar, "matches": matches, "label": first_label}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="yolo11n.yaml")
    a = p.parse_args()
    main(a.model)
