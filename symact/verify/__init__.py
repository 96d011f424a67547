"""Verification of generated kernels against an mpmath oracle of the definitions.

``run(entries, names=None, backends=<all registered>, dtypes=("float32", "float64"))``
measures every kernel (forward, d/dx, d/dparam; vector kernels and their
gradients/VJPs) of ``entries`` (those named, when ``names`` is given) in ULPs of
the dtype (:mod:`.metric`) over the grids of :mod:`.grid`, against exact values
from :mod:`.oracle` / :mod:`.vector_oracle`, and checks the special-value
contract (:mod:`.contract`).  The :class:`~.report.Report` says which kernels
are over the 4-ULP budget, and where.
"""

from __future__ import annotations

import sys
import time

from symact.verify import backends as _backends
from symact.verify import cache as _cache
from symact.verify import measure as _measure
from symact.verify import prefetch as _prefetch
from symact.verify.kernels import all_kernels
from symact.verify.metric import BUDGET_ULP, FORMATS
from symact.verify.report import Report

__all__ = ["run", "Report", "BUDGET_ULP"]


def _stderr_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(entries, names=None, backends=_backends.BACKENDS, dtypes=("float32", "float64"), *,
        progress=_stderr_progress, use_cache: bool = True, kernels=None, modules=None,
        dense: int = 0) -> Report:
    """Measure the kernels of ``entries`` (those in ``names`` when given); ``progress(msg)``
    per kernel.

    ``kernels`` (:class:`.kernels.Kernel` list) replaces the kernels of ``entries``;
    ``modules`` ({backend: loaded module}) replaces loading ``backends``; ``dense`` adds
    the slow scan of :func:`.grid.dense_points` (that many random bit patterns and about
    as many floats of [-50, 50]) to every scalar kernel's grid.
    """
    t0 = time.perf_counter()
    report = Report()
    progress = progress or (lambda msg: None)
    for d in dtypes:
        if d not in FORMATS:
            raise ValueError(f"unknown dtype {d!r} (known: {', '.join(FORMATS)})")
    given = modules
    modules = dict(given or {})
    for b in (() if given is not None else backends):
        try:
            modules[b] = _backends.load(b)
        except _backends.BackendError as err:
            report.backend_errors[b] = str(err)
            progress(f"verify: backend {b} unavailable: {err}")
    kernels = list(kernels) if kernels is not None else all_kernels(entries, names)
    if use_cache and modules:
        n_jobs = _prefetch.jobs()
        if n_jobs > 1:
            progress(f"verify: checking the oracle cache for {len(kernels)} kernels "
                     f"({n_jobs} processes fill what is missing) ...")
            t1 = time.perf_counter()
            n = _prefetch.prefetch(kernels, dtypes, n_jobs, dense, progress=progress)
            if n:
                progress(f"verify: {n} oracle tables computed in {time.perf_counter() - t1:.0f} s "
                         f"(cached in {_cache.directory()}; later runs read them)")
    total = len(kernels) * len(dtypes) * len(modules)
    done = 0
    for k in kernels:
        for d in dtypes:
            for b, mod in modules.items():
                done += 1
                m = _measure.measure(k, mod, b, FORMATS[d], use_cache=use_cache, dense=dense)
                report.measurements.append(m)
                mark = "ok" if m.ok else "FAIL"
                progress(f"verify [{done}/{total}] {k.function:<28} {b:<5} {d:<7} "
                         f"max {_measure.fmt_ulp(m.max_ulp):>8} ULP  {mark}  ({m.seconds:.1f} s)")
    report.seconds = time.perf_counter() - t0
    return report
