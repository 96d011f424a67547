"""``python -m symact``."""

from .cli import console

console()
