"""Helpers shared by subcommands: parameter parsing, JSON output, errors."""

from __future__ import annotations

import json
import sys

import sympy as sp

from symact.define.catalogue import UnknownActivation, get
from symact.define.model import ParameterError


def add_param_option(parser) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="K=V",
                        help="override a parameter (repeatable), e.g. --param alpha=2")


def parse_params(items: list[str]) -> dict[str, str]:
    """``["alpha=2", ...]`` -> ``{"alpha": "2"}``; :class:`ParameterError` for bad syntax."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ParameterError(f"--param expects K=V, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def lookup(name: str, params: list[str] | None = None):
    """(entry, bound parameter values) or raise UnknownActivation / ParameterError."""
    entry = get(name)
    values = parse_params(params or [])
    if values and entry.vector:
        raise ParameterError(f"{name} has no parameters")
    return entry, entry.bind(values)


def fail_usage(message: str) -> int:
    print(f"symact: error: {message}", file=sys.stderr)
    return 2


USER_ERRORS = (UnknownActivation, ParameterError)


def number(value: sp.Expr):
    """An exact SymPy number as a JSON number (float), or 'inf'/'-inf'."""
    if value is sp.oo:
        return "inf"
    if value is sp.S.NegativeInfinity:
        return "-inf"
    return float(value)


def dump_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
