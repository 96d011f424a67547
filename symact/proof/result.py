"""The outcome of a proof attempt: a status, the strategy that decided it, and evidence.

Statuses (docs/contract.md): ``PROVED`` (symbolic), ``NUMERIC`` (certified numerically with
a stated error bound), ``DISPROVED`` (a counterexample evaluated with certified
precision), ``UNDECIDED``.  Numeric sampling is never reported as ``PROVED``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Status(str, enum.Enum):
    PROVED = "PROVED"
    NUMERIC = "NUMERIC"
    DISPROVED = "DISPROVED"
    UNDECIDED = "UNDECIDED"

    def __str__(self) -> str:
        return self.value

    @property
    def ok(self) -> bool:
        """True for the statuses ``symact prove`` accepts (PROVED, NUMERIC)."""
        return self in (Status.PROVED, Status.NUMERIC)


@dataclass
class Result:
    """``status`` reached by ``strategy``; ``counterexample`` maps symbol names to values."""

    status: Status
    strategy: str
    detail: str = ""
    counterexample: dict | None = None
    seconds: float = 0.0
    name: str = field(default="")

    @property
    def ok(self) -> bool:
        return Status(self.status).ok

    def as_dict(self) -> dict:
        out = {"status": str(self.status), "strategy": self.strategy, "detail": self.detail,
               "seconds": round(self.seconds, 4)}
        if self.name:
            out = {"name": self.name, **out}
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        return out
