"""List the catalogue: one line per activation with its parameters and defaults."""

from __future__ import annotations

from symact.define.catalogue import ENTRIES
from symact.cli.common import dump_json, number


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    rows = [
        {
            "name": e.name,
            "kind": "vector" if e.vector else "scalar",
            "params": {p.name: number(p.default) for p in e.params},
            "constraints": [str(c) for c in e.constraints],
            "summary": e.summary,
        }
        for e in ENTRIES
    ]
    if args.json:
        dump_json(rows)
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        params = ", ".join(f"{k}={v:g}" for k, v in r["params"].items())
        sig = f"({params})" if params else ("(x[1..n])" if r["kind"] == "vector" else "")
        print(f"{r['name']:<{width}}  {sig:<28} {r['summary']}")
    return 0
