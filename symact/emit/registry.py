"""The backends generate, verify, build and new loop over: one line each.

Each value names the module and attribute of a :class:`~symact.emit.backend.Backend`
instance; modules are imported on first use, so a backend whose framework is
not installed costs nothing until it is asked for (and then says why in
``unavailable()``).
"""

from __future__ import annotations

import importlib

REGISTRY = {
    "numpy": "symact.emit.numpy:BACKEND",
    "c": "symact.emit.c:BACKEND",
    "torch": "symact.emit.torch:BACKEND",
    "jax": "symact.emit.jax:BACKEND",
}

#: Backend names in registry order.
NAMES = tuple(REGISTRY)


def get(name: str):
    """The backend called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown backend {name!r} (known: {', '.join(NAMES)})") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def backends() -> dict:
    """``{name: backend}`` for every registered backend."""
    return {name: get(name) for name in NAMES}
