"""Run the theorems (all, or those about the named activations): name, status, strategy, seconds.

Exit 0 when every selected theorem is PROVED or NUMERIC, 1 otherwise, 2 for an
unknown name.
"""

from __future__ import annotations

import time

from symact.cli.common import dump_json, fail_usage


def add_arguments(parser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="theorem or activation names (default: all theorems)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    from symact.proof.engine import run_theorems, select

    try:
        chosen = select(args.names)
    except KeyError as err:
        return fail_usage(err.args[0])
    start = time.perf_counter()
    results = run_theorems(args.names)
    total = time.perf_counter() - start
    ok = all(r.ok for r in results)
    if args.json:
        dump_json({"ok": ok, "seconds": round(total, 3), "count": len(results),
                   "theorems": [{**r.as_dict(), "statement": str(t.statement), "where": str(t.where),
                                 "activations": list(t.activations), "source": t.source}
                                for t, r in zip(chosen, results)]})
        return 0 if ok else 1
    width = max(len(r.name) for r in results)
    for r in results:
        print(f"{r.name:<{width}}  {str(r.status):<9}  {r.strategy:<40} {r.seconds:7.2f}s")
        if not r.ok and r.detail:
            print(f"{'':<{width}}    {r.detail}")
    counts = {}
    for r in results:
        counts[str(r.status)] = counts.get(str(r.status), 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    print(f"{len(results)} theorems: {summary} in {total:.1f} s")
    return 0 if ok else 1
