"""Where symact's data directories are, installed or in a checkout.

An installed symact carries ``templates/`` and the generated C as
``symact/templates`` and ``symact/generated`` (see pyproject.toml); in a
checkout (editable install, or running from the source tree) they are the
top-level ``templates/`` and ``generated/`` beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # the symact package


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"symact's {name}/ directory is missing (looked in {_PACKAGE} and its parent)")


def templates_dir() -> Path:
    """The Jinja2 templates (one folder per backend)."""
    return _find("templates")


def generated_dir() -> Path:
    """The committed generated sources shipped with this symact (symact.c, symact.h, ...)."""
    return _find("generated")
