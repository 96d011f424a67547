"""Show one activation: definition, derivatives, parameters, kink convention, LaTeX."""

from __future__ import annotations

import sympy as sp

from symact import derive
from symact.define.model import K, X
from symact.proof.report import show_info
from symact.cli.common import USER_ERRORS, add_param_option, dump_json, fail_usage, lookup, number


def add_arguments(parser) -> None:
    parser.add_argument("name", help="catalogue name (see `symact list`)")
    add_param_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def describe(entry, values: dict) -> dict:
    """Everything ``show`` reports about ``entry`` with parameters ``values``."""
    info = {
        "name": entry.name,
        "kind": "vector" if entry.vector else "scalar",
        "summary": entry.summary,
        "reference": entry.reference,
        "params": {k: number(v) for k, v in values.items()},
        "constraints": [str(c) for c in entry.constraints],
    }
    info.update(show_info(entry, values))  # proof engine: "properties", "theorems"
    if entry.vector:
        grad = derive.vector_grad_symbolic(entry).doit()
        info.update(
            definition=str(entry.expr),
            derivative=str(grad),
            derivative_wrt=f"x[{K}]",
            latex={"definition": sp.latex(entry.expr), "derivative": sp.latex(grad)},
            kinks={},
        )
        return info
    subs = entry.param_subs(values)
    f = entry.expr.subs(subs)
    ds = derive.derivatives(entry, values)
    info.update(
        definition=str(f),
        derivative=str(ds["x"]),
        derivatives={k: str(v) for k, v in ds.items()},
        latex={"definition": sp.latex(f), **{f"d/d{k}": sp.latex(v) for k, v in ds.items()}},
        kinks={str(sp.sympify(p).subs(subs)): str(sp.sympify(v).subs(subs))
               for p, v in entry.kinks.items()},
    )
    # stable forms (emit): f and each derivative in stable primitives, every rewrite proved
    from symact.stabilise.forms import kernels as stable_kernels
    info["stable"] = {k.wrt: str(k.stable.subs(subs)) for k in stable_kernels(entry)}
    return info


def _print_text(info: dict) -> None:
    params = ", ".join(f"{k}={v:g}" for k, v in info["params"].items())
    print(f"{info['name']}{f'  ({params})' if params else ''}: {info['summary']}")
    print(f"  reference:   {info['reference']}")
    if info["constraints"]:
        print(f"  constraints: {', '.join(info['constraints'])}")
    print(f"  f         = {info['definition']}")
    if info["kind"] == "vector":
        print(f"  d/d{info['derivative_wrt']} = {info['derivative']}")
    else:
        for k, v in info["derivatives"].items():
            print(f"  df/d{k:<6}= {v}")
        for p, v in info["kinks"].items():
            print(f"  kink: f'({p}) = {v} by convention")
    for k, v in info.get("stable", {}).items():
        print(f"  stable {'f' if k == 'f' else 'd/d' + k:<9}= {v}")
    _print_proof(info)
    print(f"  LaTeX: {info['latex']['definition']}")


def _print_proof(info: dict) -> None:
    props = info.get("properties") or {}
    status = props.get("status", {})
    for key in ("range", "continuity", "monotonic", "derivative_monotonic", "identity_near_origin"):
        if key in props:
            value = props[key]
            if key == "range":
                r = value
                value = (f"{'[' if r['lower_closed'] else '('}{r['lower']}, {r['upper']}"
                         f"{']' if r['upper_closed'] else ')'}")
            print(f"  {key:<21}= {value}  [{status.get(key, '')}]")
    for t in info.get("theorems", []):
        print(f"  theorem {t['name']}: {t['status']}")


def run(args) -> int:
    try:
        entry, values = lookup(args.name, args.param)
        info = describe(entry, values)
    except USER_ERRORS as err:
        return fail_usage(str(err))
    if args.json:
        dump_json(info)
    else:
        _print_text(info)
    return 0
