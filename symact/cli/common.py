"""Helpers shared by subcommands: parameter parsing, JSON output, errors.

Imports of SymPy and the catalogue happen inside the functions that need them,
so that importing this module (every command does) costs nothing at start-up.
"""

from __future__ import annotations

import json
import sys


def add_param_option(parser) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="K=V",
                        help="override a parameter (repeatable, each name once), e.g. --param alpha=2")


def parse_params(items: list[str]) -> dict[str, str]:
    """``["alpha=2", ...]`` -> ``{"alpha": "2"}``; :class:`ParameterError` for bad syntax or a
    name given twice (``--param a=1 --param a=2`` would otherwise silently keep the last)."""
    from symact.define.model import ParameterError
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ParameterError(f"--param expects K=V, got {item!r}")
        key = key.strip()
        if key in out:
            raise ParameterError(f"--param {key} given twice ({key}={out[key]} and {item.strip()})")
        out[key] = value.strip()
    return out


def lookup(name: str, params: list[str] | None = None):
    """(entry, bound parameter values) or raise UnknownActivation / ParameterError."""
    from symact.define.catalogue import get
    from symact.define.model import ParameterError
    entry = get(name)
    values = parse_params(params or [])
    if values and entry.vector:
        raise ParameterError(f"{name} has no parameters")
    return entry, entry.bind(values)


def fail_usage(message: str) -> int:
    print(f"symact: error: {message}", file=sys.stderr)
    return 2


def __getattr__(name: str):
    # USER_ERRORS names the catalogue's exceptions; built on first use (PEP 562)
    if name == "USER_ERRORS":
        from symact.define.catalogue import UnknownActivation
        from symact.define.model import ParameterError
        return (UnknownActivation, ParameterError)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def number(value):
    """An exact SymPy number as a JSON number (float), or 'inf'/'-inf'."""
    import sympy as sp
    if value is sp.oo:
        return "inf"
    if value is sp.S.NegativeInfinity:
        return "-inf"
    return float(value)


def dump_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
