"""A verification run's results: the ULP table, per-region summary, JSON and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symact.verify.measure import Measurement, fmt_ulp, where
from symact.verify.metric import BUDGET_ULP

REGION_COLUMNS = ("neg_tail", "core", "pos_tail", "rows")


@dataclass
class Report:
    measurements: list[Measurement] = field(default_factory=list)
    #: backends that could not be loaded: {name: message}
    backend_errors: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.measurements) and not self.backend_errors and all(m.ok for m in self.measurements)

    @property
    def failing(self) -> list[Measurement]:
        return [m for m in self.measurements if not m.ok]

    @property
    def within_1ulp(self) -> tuple[int, int]:
        return sum(m.within_1ulp for m in self.measurements), len(self.measurements)

    def worst(self) -> dict:
        """{(backend, dtype): (max ULP, function, x)} over all kernels measured."""
        out = {}
        for m in self.measurements:
            key = (m.backend, m.dtype)
            cur = out.get(key)
            if cur is None or m.max_ulp > cur[0]:
                out[key] = (m.max_ulp, m.function, where(m.overall.worst_x, m.overall.worst_params))
        return out

    def as_dict(self) -> dict:
        n1, n = self.within_1ulp
        return {
            "ok": self.ok, "budget_ulp": BUDGET_ULP, "seconds": round(self.seconds, 2),
            "kernels": n, "within_budget": n - len(self.failing), "within_1ulp": n1,
            "within_1ulp_fraction": (n1 / n) if n else 0.0,
            "worst": [{"backend": b, "dtype": d, "max_ulp": v if np.isfinite(v) else "inf",
                       "function": fn, "where": x}
                      for (b, d), (v, fn, x) in sorted(self.worst().items())],
            "over_budget": [{"function": m.function, "backend": m.backend, "dtype": m.dtype,
                             "problems": m.problems()} for m in self.failing],
            "backend_errors": self.backend_errors,
            "measurements": [m.as_dict() for m in self.measurements],
        }

    def text(self) -> str:
        lines = []
        head = (f"{'kernel':<30} {'backend':<7} {'dtype':<7} {'max':>8} {'median':>7} "
                f"{'x<-40':>8} {'[-40,40]':>8} {'x>40':>8} {'rows':>8} {'root':>7} {'special':>9}  status")
        lines += [head, "-" * len(head)]
        for m in self.measurements:
            reg = [fmt_ulp(m.regions[r].max) if r in m.regions and m.regions[r].n else "-"
                   for r in REGION_COLUMNS]
            root = fmt_ulp(m.roots["max_abs_eps"]) if m.roots["n"] else "-"
            spec = f"{m.special_checked - len(m.special)}/{m.special_checked}"
            status = "ok" if m.ok else "OVER" if m.overall.max > BUDGET_ULP else "FAIL"
            lines.append(f"{m.function:<30} {m.backend:<7} {m.dtype:<7} {fmt_ulp(m.max_ulp):>8} "
                         f"{fmt_ulp(m.overall.median):>7} {reg[0]:>8} {reg[1]:>8} {reg[2]:>8} {reg[3]:>8} "
                         f"{root:>7} {spec:>9}  {status}")
        lines.append("")
        lines.append("max ULP per region; root = |error| in ulp(1) within 1e-6 (relative) of an interior "
                     "root; special = +-0, +-inf, nan (and contract rows) passed/checked")
        lines += self.summary_lines()
        return "\n".join(lines)

    def summary_lines(self) -> list[str]:
        lines = []
        for name, msg in self.backend_errors.items():
            lines.append(f"backend {name} unavailable: {msg}")
        for (b, d), (v, fn, x) in sorted(self.worst().items()):
            lines.append(f"worst {b}/{d}: {fmt_ulp(v)} ULP ({fn} at {x})")
        domains = {}
        for m in self.measurements:
            if getattr(m, "domain", ""):
                domains.setdefault(m.function, m.domain)
        for fn, dom in domains.items():
            lines.append(f"domain of {fn} (inferred from the grid; nan expected elsewhere): {dom}")
        n1, n = self.within_1ulp
        if n:
            lines.append(f"within 1 ULP: {n1}/{n} kernels ({100 * n1 / n:.0f}%); "
                         f"within {BUDGET_ULP:g} ULP: {n - len(self.failing)}/{n}")
        for m in self.failing:
            lines.append(f"FAIL {m.function} [{m.backend}/{m.dtype}]: " + "; ".join(m.problems()))
        lines.append(f"verify: {'all kernels within budget' if self.ok else 'FAILED'} ({self.seconds:.1f} s)")
        return lines
