"""Fill the oracle cache in parallel before a run (cold runs only gain from it).

Each task computes, for one (kernel, parameter set, dtype) -- or one vector
kernel and dtype -- everything :mod:`.measure` will ask the oracle for: the
interior roots, the grid, the exact values and the special-value expectations.
Results land in the on-disk cache (:mod:`.cache`), where the measuring process
finds them.  Workers: ``$SYMACT_VERIFY_JOBS`` or the number of CPUs.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

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


def prefetch(kernels, dtypes, workers: int | None = None, dense: int = 0) -> int:
    """Compute the missing oracle values of ``kernels`` x ``dtypes`` (with the dense scan
    when ``dense`` > 0) in ``workers`` processes; returns how many tables were computed
    (0 when all were cached)."""
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
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_task, tasks, chunksize=1))
    return len(tasks)
