"""A user-defined scalar activation through the whole pipeline.

``symact new NAME EXPR [--param K=V ...] [--out DIR]``: EXPR (the whitelist
parser; ``x`` is the input, each --param names a parameter and gives its
default) becomes an activation NAME with no constraints and no declared kinks;
then d/dx and each d/dparam are derived, its properties decided (with their
status), every kernel stabilised (each rewrite proved) and generated for NumPy
and C into DIR (default ``./generated_NAME``; same files and templates as
``symact generate``: symact_numpy.py, symact.h, symact.c, vector kernels
included), and the generated kernels verified against an mpmath oracle of the
definition (NumPy; C too when a C compiler is found).

Exit 0 when everything worked and every kernel is within the 4-ULP budget,
1 when generation or verification fails, 2 for bad input (DIR untouched).
Progress goes to stderr; properties and the ULP table to stdout.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from ._common import add_param_option, fail_usage, parse_params
from ..model import ParameterError
from ..verify.backends import load_numpy_from


def add_arguments(parser) -> None:
    parser.add_argument("name", help="snake_case name, not in the catalogue")
    parser.add_argument("expr", metavar="EXPR", help="definition in x and the parameters, "
                        "e.g. 'x*(1+tanh(a*x))/2'")
    add_param_option(parser)
    parser.add_argument("--out", metavar="DIR", help="output directory (default: ./generated_NAME)")
    parser.add_argument("--backend", default="numpy,c",
                        help="backends to verify, comma-separated: numpy, c (default: both; "
                             "c is skipped when no compiler is found)")
    parser.add_argument("--dtype", default="float32,float64",
                        help="dtypes to verify, comma-separated (default: float32,float64)")


def _progress(msg: str) -> None:
    print(f"new: {msg}", file=sys.stderr, flush=True)


def _show_properties(props: dict) -> None:
    status, detail = props.get("status", {}), props.get("detail", {})
    print("properties:")
    for key, value in props.items():
        if key in ("status", "detail"):
            continue
        if key == "range" and isinstance(value, dict):
            value = (f"{'[' if value['lower_closed'] else '('}{value['lower']}, {value['upper']}"
                     f"{']' if value['upper_closed'] else ')'}")
        print(f"  {key:<21}= {value}  [{status.get(key, '')}]")
    if "all" in status:
        print(f"  (none decided: {status['all']}: {detail.get('all', '')})")


def _compiler_found() -> bool:
    cc = shlex.split(os.environ.get("CC", "cc"))
    return bool(cc) and shutil.which(cc[0]) is not None


def run(args) -> int:
    from .verify import split_list
    from ..verify.backends import BACKENDS
    from ..verify.metric import FORMATS
    from ..userdef import UserDefinitionError, user_activation

    t0 = time.perf_counter()
    try:
        entry = user_activation(args.name, args.expr, parse_params(args.param))
        backends = split_list(args.backend, BACKENDS, "backend")
        dtypes = split_list(args.dtype, tuple(FORMATS), "dtype")
    except (UserDefinitionError, ParameterError, ValueError) as err:
        return fail_usage(str(err))
    out_dir = Path(args.out) if args.out else Path(f"generated_{entry.name}")
    if out_dir.exists() and not out_dir.is_dir():
        return fail_usage(f"--out {out_dir}: exists and is not a directory")
    from ..generate import DEFAULT_OUT
    from ..resources import generated_dir
    if out_dir.resolve() in (generated_dir().resolve(), DEFAULT_OUT.resolve()):
        return fail_usage(f"--out {out_dir}: that is the catalogue's generated/ directory; "
                          "choose another")
    values = entry.defaults
    params = ", ".join(f"{k}={float(v):g}" for k, v in values.items())
    print(f"{entry.name}{f'  ({params})' if params else ''}: {entry.summary}")
    print(f"  f        = {entry.expr}")

    from .. import derive
    _progress("deriving d/dx" + "".join(f", d/d{p.name}" for p in entry.params))
    ds = derive.derivatives(entry, symbolic=True)
    for k, v in ds.items():
        print(f"  df/d{k:<5}= {v}")

    _progress("deciding properties")
    from ..proof.properties import properties
    try:
        props = properties(entry, values)
    except Exception as err:  # noqa: BLE001 - properties are reported, not required
        props = {"status": {"all": "UNDECIDED"}, "detail": {"all": f"{type(err).__name__}: {err}"}}
    _show_properties(props)

    _progress("stabilising and rendering (each rewrite proved)")
    from ..generate import generate
    try:
        report = generate(out_dir, entries=[entry])
    except Exception as err:  # noqa: BLE001 - nothing was written (generate is atomic)
        print(f"symact: error: cannot generate kernels for {entry.name}: "
              f"{type(err).__name__}: {err}", file=sys.stderr)
        return 1
    for name in report.written:
        _progress(f"wrote {report.out_dir / name}")
    _progress(f"{report.kernels} scalar kernels in {report.out_dir} ({report.seconds:.1f} s)")

    modules = {}
    notes = []
    try:
        if "numpy" in backends:
            modules["numpy"] = load_numpy_from(out_dir, f"symact_numpy_{entry.name}")
        if "c" in backends:
            if _compiler_found():
                from .. import cbuild
                modules["c"] = cbuild.load(out_dir, entries=[entry])
            else:
                notes.append("C not verified: no C compiler found ($CC or cc)")
    except Exception as err:  # noqa: BLE001 - a generated file that does not load is a failure
        print(f"symact: error: the generated code does not load: {type(err).__name__}: {err}",
              file=sys.stderr)
        return 1
    for note in notes:
        _progress(note)

    from ..verify import run as verify_run
    from ..verify.kernels import scalar_kernels
    report = verify_run(dtypes=dtypes, kernels=scalar_kernels(entry, source=entry),
                        modules=modules, progress=_progress)
    print(report.text())
    for note in notes:
        print(note)
    ok = report.ok
    print(f"new: {entry.name} {'done' if ok else 'FAILED verification'}: {out_dir} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0 if ok else 1
