"""Reference names this release does not provide, each with its reason: the one list that module `__getattr__`
hooks (raising NotInScopeError) and tests/test_api_facts.py (excluding them) both read.

Imports nothing from the package at load time, so any module (even utils/files.py, which utils/__init__ loads) can
install its `__getattr__` from here without an import cycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HUB = "Ultralytics HUB / Platform is a hosted service and this package never contacts it"
SOLUTIONS = "Ultralytics Solutions (counting, heatmaps, parking, dashboards...) are not part of this package"
SEMANTIC = "the semantic segmentation task is not in this release (instance segmentation is: task=segment)"
DEPTH = "the depth estimation task is not in this release"
OPEN_VOCAB = "open-vocabulary models (YOLO-World, YOLOE: text/visual prompts) are not in this release"
RTDETR = "RT-DETR models are not in this release"
OTHER_MODEL = "this model family is not in this release (YOLO v8/11/26 and SAM are)"
QAT = "quantization-aware training (NVIDIA ModelOpt) is not in this release"
EXPORT_ONLY = "export formats other than TorchScript, ONNX, OpenVINO and NCNN are not in this release"
TUNER = "hyperparameter tuning (Tuner, Ray Tune) is not in this release"
TELEMETRY = "this package sends no telemetry (no Sentry, no events)"
INSTALL = "this package never installs packages or system software itself"
UPDATES = "this package never checks PyPI for updates (it works offline)"
GIT_INFO = "git metadata of the package checkout is only used by Ultralytics' telemetry and update checks"
CALIBRATION = "INT8 calibration data is only used by export formats not in this release"
TRITON = "models served by Triton Inference Server are not in this release"
QUANTIZE = "the quantize= export argument (w8a16/w8a32 precisions) is not in this release; use half=True or int8=True"
TASK_ASSIGNERS = (
    "the mask- and keypoint-aware label assigners are not in this release: every task uses the box-based "
    "TaskAlignedAssigner (RotatedTaskAlignedAssigner for obb)"
)
PICKLED_CACHE = (
    "label caches are written and read by data/label_cache.py in a pickle-free format; Ultralytics' pickled "
    ".cache files are never loaded"
)
YOLOV9 = "YOLOv9 (GELAN) models and their blocks are not in this release (YOLOv8, YOLO11 and YOLO26 are)"
YOLOV10 = "YOLOv10 models and their blocks are not in this release (YOLO26 is end-to-end without NMS)"
YOLO12 = "YOLO12 (area-attention) models are not in this release"
TORCHVISION = "torchvision backbones inside model YAMLs (pretrained weights downloaded at build time) are not in this release"
MULTISPECTRAL = "multispectral (more than 3 channel) image conversion is not in this release"
SYNTHETIC_COCO = (
    "it builds a synthetic COCO from label archives downloaded at run time; the package's built-in shapes-* data "
    "sets (data/synthetic.py) are the offline substitute"
)
TRACKERS = "only the ByteTrack and BoT-SORT trackers are in this release (tracker=bytetrack.yaml / botsort.yaml)"
SAM2 = "SAM 2 (image and video predictors) is not in this release; SAM and MobileSAM are (models.sam.Predictor)"
SAM3 = "SAM 3 (concept and video segmentation) is not in this release; SAM and MobileSAM are (models.sam.Predictor)"
NOOP_CALLBACKS = (
    "the reference's do-nothing default callback per event is not provided: a callback registry starts with an "
    "empty list per event (utils.callbacks.base.default_callbacks()), so there is nothing to call; the event names "
    "are in utils.callbacks.EVENTS"
)
TORCH_PATCHES = (
    "this package never monkey-patches torch or onnx during export; its exporters need no such patch"
)
MULTI = "training several models in one run (MultiTrainer) is not in this release"

OUT_OF_SCOPE: dict[str, dict[str, str]] = {
    "ultralytics_clone": {
        "APIConnectionError": HUB, "APIError": HUB, "AsyncPlatform": HUB, "Platform": HUB,
        "FastSAM": OTHER_MODEL, "LLM": OTHER_MODEL, "NAS": OTHER_MODEL, "RTDETR": RTDETR,
        "YOLOE": OPEN_VOCAB, "YOLOWorld": OPEN_VOCAB,
    },
    "ultralytics_clone.models": {
        "FastSAM": OTHER_MODEL, "LLM": OTHER_MODEL, "NAS": OTHER_MODEL, "RTDETR": RTDETR,
        "YOLOE": OPEN_VOCAB, "YOLOWorld": OPEN_VOCAB,
    },
    "ultralytics_clone.models.yolo": {
        "YOLOE": OPEN_VOCAB, "YOLOWorld": OPEN_VOCAB, "world": OPEN_VOCAB, "yoloe": OPEN_VOCAB,
        "semantic": SEMANTIC, "depth": DEPTH,
    },
    "ultralytics_clone.utils": {
        "PLATFORM_URL": HUB, "GIT": GIT_INFO, "set_sentry": TELEMETRY,
        "QNN_HTP_TARGETS": EXPORT_ONLY, "RKNN_CHIPS": EXPORT_ONLY, "XILINX_TARGETS": EXPORT_ONLY,
    },
    "ultralytics_clone.utils.checks": {
        "check_apt_requirements": INSTALL, "check_executorch_requirements": EXPORT_ONLY, "check_tensorrt": EXPORT_ONLY,
        "check_latest_pypi_version": UPDATES, "check_pip_update_available": UPDATES,
        "check_data_portable": HUB, "normalize_platform_uri": HUB, "resolve_platform_uri": HUB,
    },
    "ultralytics_clone.utils.torch_utils": {
        "is_qat": QAT, "prepare_qat": QAT, "qat_state": QAT, "restore_qat": QAT, "strip_qat": QAT,
        "MODELOPT_REQUIREMENTS": QAT,
    },
    "ultralytics_clone.cfg": {
        "SOLUTION_MAP": SOLUTIONS, "SOLUTIONS_HELP_MSG": SOLUTIONS, "handle_yolo_solutions": SOLUTIONS,
        "handle_yolo_login": HUB, "TASK2CALIBRATIONDATA": CALIBRATION,
        "QUANTIZE_ALIASES": QUANTIZE, "QUANTIZE_DOCS_URL": QUANTIZE, "QUANTIZE_VALID_VALUES": QUANTIZE,
    },
    "ultralytics_clone.nn.tasks": {
        "DepthModel": DEPTH, "SemanticSegmentationModel": SEMANTIC, "RTDETRDetectionModel": RTDETR,
        "WorldModel": OPEN_VOCAB, "YOLOEModel": OPEN_VOCAB, "YOLOESegModel": OPEN_VOCAB,
    },
    "ultralytics_clone.utils.tal": {"SegTaskAlignedAssigner": TASK_ASSIGNERS, "PoseTaskAlignedAssigner": TASK_ASSIGNERS},
    "ultralytics_clone.data.utils": {
        "add_polygon_background": SEMANTIC, "read_mask": SEMANTIC, "verify_image_mask": SEMANTIC,
        "DEPTH_PNG_SCALE": DEPTH, "load_depth": DEPTH, "save_depth_png": DEPTH, "verify_image_depth": DEPTH,
        "convert_ndjson_to_yolo_if_needed": HUB,
        "load_dataset_cache_file": PICKLED_CACHE, "save_dataset_cache_file": PICKLED_CACHE,
    },
    "ultralytics_clone.nn.modules": {
        **dict.fromkeys(("AIFI", "DeformableTransformerDecoder", "DeformableTransformerDecoderLayer", "HGBlock",
                         "HGStem", "LayerNorm2d", "MLP", "MLPBlock", "MSDeformAttn", "RepC3", "ResNetLayer",
                         "RTDETRDecoder", "TransformerEncoderLayer"), RTDETR),
        **dict.fromkeys(("BNContrastiveHead", "C2fAttn", "ContrastiveHead", "ImagePoolingAttn", "LRPCHead",
                         "MaxSigmoidAttnBlock", "WorldDetect", "YOLOEDetect", "YOLOESegment", "YOLOESegment26"),
                        OPEN_VOCAB),
        **dict.fromkeys(("ADown", "AConv", "ELAN1", "RepNCSPELAN4", "SPPELAN", "CBLinear", "CBFuse"), YOLOV9),
        **dict.fromkeys(("SCDown", "RepVGGDW", "CIB", "C2fCIB", "PSA", "v10Detect"), YOLOV10),
        "A2C2f": YOLO12, "SemanticSegment": SEMANTIC, "Depth": DEPTH, "TorchVision": TORCHVISION,
    },
    "ultralytics_clone.data": {
        "GroundingDataset": OPEN_VOCAB, "YOLOMultiModalDataset": OPEN_VOCAB, "build_grounding": OPEN_VOCAB,
        "SemanticDataset": SEMANTIC, "PolygonSemanticDataset": SEMANTIC,
    },
    "ultralytics_clone.data.dataset": {
        "GroundingDataset": OPEN_VOCAB, "YOLOMultiModalDataset": OPEN_VOCAB, "SemanticDataset": SEMANTIC,
        "PolygonSemanticDataset": SEMANTIC, "DepthDataset": DEPTH,
    },
    "ultralytics_clone.data.build": {"build_grounding": OPEN_VOCAB},
    "ultralytics_clone.data.augment": {
        "LoadVisualPrompt": OPEN_VOCAB, "RandomLoadText": OPEN_VOCAB, "SemanticFormat": SEMANTIC, "DepthFormat": DEPTH,
    },
    "ultralytics_clone.data.converter": {
        "convert_ndjson_to_yolo": HUB, "convert_to_multispectral": MULTISPECTRAL,
        "create_synthetic_coco_dataset": SYNTHETIC_COCO,
    },
    "ultralytics_clone.utils.downloads": {
        "get_github_assets": "the GitHub release API is never queried: official weights are resolved by name from "
                             "the fixed list utils.downloads.GITHUB_ASSETS_NAMES",
        "get_google_drive_file_info": "Google Drive share links are not supported; pass a direct download URL",
    },
    "ultralytics_clone.utils.files": {"import_execstack": EXPORT_ONLY},
    "ultralytics_clone.trackers": dict.fromkeys(("DeepOCSORT", "FASTTracker", "OCSORT", "TRACKTRACK"), TRACKERS),
    "ultralytics_clone.models.sam": {
        **dict.fromkeys(("SAM2Predictor", "SAM2VideoPredictor", "SAM2DynamicInteractivePredictor"), SAM2),
        **dict.fromkeys(("SAM3Predictor", "SAM3SemanticPredictor", "SAM3VideoPredictor",
                         "SAM3VideoSemanticPredictor"), SAM3),
    },
    "ultralytics_clone.utils.metrics": {
        "CITYSCAPES_WEIGHT": SEMANTIC, "SemanticMetrics": SEMANTIC, "DepthMetrics": DEPTH,
        "RLE_WEIGHT": "the reference's per-keypoint weight table for YOLO26 pose RLE training is not provided in "
                      "this release",
    },
    "ultralytics_clone.utils.loss": {
        "BCEDiceLoss": SEMANTIC, "MultiChannelDiceLoss": SEMANTIC, "SemanticSegmentationLoss": SEMANTIC,
        "DepthLoss26": DEPTH, "TVPDetectLoss": OPEN_VOCAB, "TVPSegmentLoss": OPEN_VOCAB,
    },
    "ultralytics_clone.utils.callbacks.base": dict.fromkeys(
        ("on_pretrain_routine_start", "on_pretrain_routine_end", "on_train_start", "on_train_epoch_start",
         "on_train_batch_start", "optimizer_step", "on_before_zero_grad", "on_train_batch_end", "on_train_epoch_end",
         "on_fit_epoch_end", "on_model_save", "on_train_end", "on_params_update", "teardown", "on_val_start",
         "on_val_batch_start", "on_val_batch_end", "on_val_end", "on_predict_start", "on_predict_batch_start",
         "on_predict_postprocess_end", "on_predict_batch_end", "on_predict_end", "on_export_start", "on_export_end"),
        NOOP_CALLBACKS,
    ),
    "ultralytics_clone.utils.benchmarks": {
        "ProfileModels": "ProfileModels (TensorRT/ONNX speed tables) is not in this release; benchmark() validates "
                         "and times every supported export format",
    },
    "ultralytics_clone.engine.exporter": {
        "QNNModel": EXPORT_ONLY, "ClassMapModel": EXPORT_ONLY, "ExportWrapper": EXPORT_ONLY,
        "QUANTIZE_PRECISIONS": QUANTIZE, "W8A16_FORMATS": QUANTIZE, "W8A32_FORMATS": QUANTIZE,
        "FP32_UNSUPPORTED_FORMATS": "every export format in this release writes FP32; the formats that cannot are "
                                    "not in this release",
        "EXPORT_ENVS": "this package installs nothing for an export format: a missing optional runtime raises an "
                       "error naming its pip extra",
    },
    "ultralytics_clone.engine.results": {"SemanticMask": SEMANTIC, "DepthMap": DEPTH},
    "ultralytics_clone.data.loaders": {
        "get_best_youtube_url": "YouTube sources need a third-party stream extractor and are not supported; pass the "
                                "video file or a direct stream URL",
    },
    "ultralytics_clone.utils.plotting": {
        "colorize_depth": DEPTH, "plot_depth_panels": DEPTH, "plt_color_scatter": TUNER,
        "class_activation_map": "class activation maps are not in this release (feature_visualization shows layer "
                                "outputs)",
    },
    "ultralytics_clone.utils.patches": {
        "arange_patch": TORCH_PATCHES, "onnx_export_patch": TORCH_PATCHES,
    },
    "ultralytics_clone.engine.tuner": {"Tuner": TUNER},
    "ultralytics_clone.engine.trainer": {"MultiTrainer": MULTI},
}  # fmt: skip

# Methods of provided classes that are left out, as "Class.member" (found through the class's MRO, so YOLO
# inherits Model's entries). Accessing them raises the usual AttributeError; the API test skips them.
OUT_OF_SCOPE_MEMBERS: dict[str, str] = {
    "Model.calibrate": CALIBRATION, "Model.tune": TUNER, "Model.is_triton_model": TRITON,
    "ConfusionMatrix.plot_matches": "per-image match plots (save_matches=True) are not in this release",
}  # fmt: skip


def out_of_scope_reason(module: str, name: str) -> str | None:
    """The reason `module.name` is not provided, or None when it is in scope."""
    return OUT_OF_SCOPE.get(module, {}).get(name)


def member_out_of_scope_reason(cls: type, name: str) -> str | None:
    """The reason method/property `name` of `cls` (or of a base class) is left out, or None."""
    for klass in getattr(cls, "__mro__", ()):
        reason = OUT_OF_SCOPE_MEMBERS.get(f"{klass.__name__}.{name}")
        if reason:
            return reason
    return None


def not_in_scope(module: str, name: str) -> Exception:
    """The NotInScopeError for an out-of-scope name: one sentence naming it and the reason."""
    from ultralytics_clone.utils.errors import NotInScopeError  # here, not at the top: this module imports nothing

    return NotInScopeError(
        f"{module}.{name} is not part of ultralytics_clone: {out_of_scope_reason(module, name)}. "
        "See ultralytics_clone/out_of_scope.py for every name this release leaves out."
    )


def module_getattr(module: str, fallback: Callable[[str], Any] | None = None) -> Callable[[str], Any]:
    """A module `__getattr__`: out-of-scope names raise NotInScopeError, others go to `fallback` (or AttributeError)."""

    def __getattr__(name: str) -> Any:
        if out_of_scope_reason(module, name):
            raise not_in_scope(module, name)
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module '{module}' has no attribute '{name}'")

    return __getattr__
