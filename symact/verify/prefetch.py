"""Fill the oracle cache in parallel before a run (cold runs only gain from it).

Each task computes, for one (kernel, parameter set, dtype) -- or one vector
kernel and dtype -- everything :mod:`.measure` will ask the oracle for: the
interior roots, the grid, the exact values and the special-value expectations.
Results land in the on-disk cache (:mod:`.cache`), where the measuring process
finds them.  Workers: ``$SYMACT_VERIFY_JOBS`` or the number of CPUs.

A cold cache costs minutes (every table of every kernel, parameter set and
dtype), so ``prefetch`` reports progress while it works: tables done / total,
the time elapsed and an estimate of the time left (:func:`progress_line`),
every :data:`PROGRESS_EVERY` seconds or so (also while no table finishes) and once
at the end.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from symact.verify.metric import FORMATS


def _cached(args) -> bool:
    """Whether the task's oracle table is already cached (roots and grid are cheap)."""
    from symact.verify import cache
    from symact.verify import grid
    from symact.verify import measure
    from symact.verify import oracle
    from symact.verify import vector_oracle
    kernel, params, dtype, dense = args
    f = FORMATS[dtype]
    if kernel.vector:
        rows = [r for r in grid.vector_rows(f) if not grid.row_is_special(r)]
        return cache.has(vector_oracle.rows_key(rows, f))
    expr = kernel.expr(params)
    pts = measure.scalar_points(kernel, params, f, measure.interior_roots(expr), dense)
    return oracle.missing_points(expr, pts, f) == 0


def _task(args):
    from symact.verify import grid
    from symact.verify import measure
    from symact.verify import oracle
    from symact.verify import vector_oracle
    kernel, params, dtype, dense = args
    f = FORMATS[dtype]
    function = kernel.function
    if kernel.vector:
        rows = [r for r in grid.vector_rows(f) if not grid.row_is_special(r)]
        vector_oracle.vector_exact(function, rows, f)
        return function
    expr = kernel.expr(params)
    roots = measure.interior_roots(expr)
    oracle.scalar_exact(expr, measure.scalar_points(kernel, params, f, roots, dense), f)
    measure.special_expectations(expr, f)
    return function


def jobs() -> int:
    try:
        return max(1, int(os.environ.get("SYMACT_VERIFY_JOBS", "")))
    except ValueError:
        return os.cpu_count() or 1


#: Seconds between two progress lines (a line also comes when the last table is done).
PROGRESS_EVERY = 10.0


def _duration(seconds: float) -> str:
    """``"42 s"``, ``"3 min 20 s"``: how long, rounded to the second."""
    s = int(round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def progress_line(done: int, total: int, elapsed: float) -> str:
    """One progress message: tables done / total, elapsed, and the time left estimated
    from the mean time per table so far (tables differ in cost, so it is a guide)."""
    line = f"verify: oracle cache: {done}/{total} tables ({100 * done // max(total, 1)}%), {_duration(elapsed)} elapsed"
    if 0 < done < total:
        line += f", about {_duration(elapsed / done * (total - done))} left"
    return line


def prefetch(kernels, dtypes, workers: int | None = None, dense: int = 0, progress=None) -> int:
    """Compute the missing oracle values of ``kernels`` x ``dtypes`` (with the dense scan
    when ``dense`` > 0) in ``workers`` processes; returns how many tables were computed
    (0 when all were cached).
    ``progress(msg)`` receives :func:`progress_line` messages while the pool works."""
    workers = workers or jobs()
    tasks = []
    for k in kernels:
        for d in dtypes:
            if k.vector:
                if k.function == "logsumexp":  # one oracle table serves all six vector kernels
                    tasks.append((k, {}, d, 0))
            else:
                tasks += [(k, p, d, dense) for p in k.param_sets]
    tasks = [t for t in tasks if not _cached(t)]
    if workers <= 1 or len(tasks) <= 1:
        return 0
    say = progress or (lambda msg: None)
    t0 = last = time.perf_counter()
    say(progress_line(0, len(tasks), 0.0))
    # spawned, not forked: the measuring process may have loaded JAX (or torch), whose
    # threads a fork would copy in whatever state they hold (a deadlock, CPython warns)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending = {pool.submit(_task, t) for t in tasks}
        done = 0
        while pending:
            # wake at least every PROGRESS_EVERY seconds: one slow table must not mean silence
            finished, pending = wait(pending, timeout=PROGRESS_EVERY, return_when=FIRST_COMPLETED)
            for fut in finished:
                fut.result()  # a failing task fails the run, as before
            done += len(finished)
            now = time.perf_counter()
            if now - last >= PROGRESS_EVERY or not pending:
                say(progress_line(done, len(tasks), now - t0))
                last = now
    return len(tasks)
