"""Callbacks: record each epoch's metrics during training and count detections per batch during prediction.

python examples/callbacks.py                       # 2 epochs at imgsz 64 on the built-in shapes set
"""

from __future__ import annotations

from ultralytics_clone import ASSETS, YOLO


def main(epochs: int = 2, imgsz: int = 64) -> dict:
    history: list[dict] = []
    counts: list[int] = []

    def on_fit_epoch_end(trainer) -> None:  # after validation of each epoch: trainer.metrics holds mAP, losses
        history.append({"epoch": trainer.epoch + 1, **(trainer.metrics or {})})

    def on_predict_batch_end(predictor) -> None:  # predictor.results: the Results of the batch just processed
        counts.extend(len(r.boxes) for r in predictor.results)

    model = YOLO("yolo11n.yaml")
    model.add_callback("on_fit_epoch_end", on_fit_epoch_end)
    model.add_callback("on_predict_batch_end", on_predict_batch_end)
    model.train(data="shapes-det.yaml", epochs=epochs, imgsz=imgsz, batch=8, workers=0, nbs=8, mosaic=0.0, plots=False)
    model.predict([ASSETS / "shapes.jpg", ASSETS / "shapes2.jpg"], imgsz=imgsz, conf=0.001, verbose=False)
    for row in history:
        print(f"epoch {row['epoch']}: mAP50 {row.get('metrics/mAP50(B)', 0.0):.3f}")
    print(f"boxes per image: {counts}")
    return {"history": history, "counts": counts}


if __name__ == "__main__":
    main()
