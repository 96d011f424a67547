"""``python -m symact``."""

from symact.cli import console

console()
