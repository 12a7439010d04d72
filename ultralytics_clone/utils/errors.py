"""Exception types: each derives from CloneError and from the builtin users already catch."""

from __future__ import annotations


class CloneError(Exception):
    """Base of every error this package raises on purpose; the CLI prints it as one paragraph and exits 2."""


class ConfigError(CloneError, ValueError):
    """A configuration key or value is not accepted."""


class DatasetError(CloneError, ValueError):
    """A dataset YAML, folder or label file is missing or malformed."""


class ModelConfigError(CloneError, ValueError):
    """A model YAML cannot be parsed into layers."""


class DeviceError(CloneError, ValueError):
    """The requested device is not available."""


class ExportError(CloneError, ValueError):
    """An export cannot be performed with the given arguments."""


class CheckpointError(CloneError, RuntimeError):
    """A checkpoint file cannot be read or holds something we refuse to load."""


class DownloadError(CloneError, ConnectionError):
    """A download failed or the network is unreachable."""


class SourceError(CloneError, FileNotFoundError):
    """An inference source does not exist or cannot be opened."""


class HookError(CloneError, TypeError):
    """A user override or callback returned something the engine cannot use."""


class SettingsError(CloneError, KeyError):
    """A settings key is unknown or its value has the wrong type."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ArchiveError(CloneError, ValueError):
    """An archive is unreadable or has members that would land outside the extraction folder."""


class NotPyTorchModelError(CloneError, TypeError):
    """A method that needs a PyTorch model was called on an exported one (.onnx, .torchscript...)."""


class NotInScopeError(CloneError, ImportError):
    """A reference name whose feature this release does not include (listed in out_of_scope.py with the reason).

    An ImportError, not an AttributeError, so `from module import name` shows this message instead of Python's
    generic 'cannot import name'.
    """


class MissingRequirementError(CloneError, ModuleNotFoundError):
    """A required package is missing or too old; the message names the pip command (nothing is installed for you)."""


class EngineNotBuiltError(CloneError, NotImplementedError):
    """A task engine (trainer, validator, predictor) that this release does not include yet was used."""
