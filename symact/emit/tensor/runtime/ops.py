"""The framework operations for running the shared runtime from source (tests, linters):
torch's (symact/emit/torch/runtime/ops.py) where torch is installed, else jax's.
A generated module holds its own framework's ops in place of this module."""

import importlib

try:
    _impl = importlib.import_module("symact.emit.torch.runtime.ops")
except ImportError:  # pragma: no cover - only without torch
    _impl = importlib.import_module("symact.emit.jax.runtime.ops")

globals().update({k: v for k, v in vars(_impl).items() if k.startswith("_") and not k.startswith("__")})
