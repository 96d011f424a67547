"""``generated/CATALOGUE.md`` and its plots: the catalogue as a document.

Every fact in it is produced by the pipeline when ``symact generate`` renders it,
none typed in: the catalogue entry (summary, parameters, constraints, kink
convention, reference), the derivatives by ``sympy.diff``
(:func:`symact.derive.derivatives`), the properties with the status of each at
the default parameters and the theorems with theirs
(:func:`symact.proof.report.show_info`, what ``symact show --json`` reports), the
stable forms of the kernels (:mod:`symact.stabilise.forms`, every rewrite
proved), the special values (:mod:`symact.emit.facts`), the accuracy recorded by
``symact verify --record`` (:mod:`symact.verify.record`) and the figures
(:mod:`symact.emit.figures`, SVG written by :mod:`symact.emit.plot`).

:func:`outputs` names the files, :func:`render_files` renders them (with the
templates of ``templates/docs/``); both are called by
:func:`symact.emit.generate.render_all` for the catalogue library.
"""

from __future__ import annotations

import sympy as sp

from symact import derive
from symact.emit import facts as _facts
from symact.emit import figures
from symact.emit.render import render

DOCUMENT = "CATALOGUE.md"
PLOTS = "plots"
TEMPLATE = "docs/catalogue.md.j2"
PLOT_TEMPLATE = "docs/plot.svg.j2"

#: How each status is marked in the index table.
MARKS = {"PROVED": "P", "NUMERIC": "N", "UNDECIDED": "U", "DISPROVED": "D"}

#: The properties in the index, in order: (key in ``show --json``, column title).
PROPERTIES = (("range", "range"), ("continuity", "continuity"), ("monotonic", "monotonic"),
              ("derivative_monotonic", "f′ monotonic"), ("identity_near_origin", "identity near 0"))

_SHOWN: dict = {}


def function_plot(name: str) -> str:
    return f"{PLOTS}/{name}.svg"


def accuracy_plot(name: str) -> str:
    return f"{PLOTS}/{name}_accuracy.svg"


def outputs(entries, record=None) -> dict[str, str]:
    """``{file name (relative to the output directory): template}``."""
    out = {DOCUMENT: TEMPLATE}
    for e in entries:
        out[function_plot(e.name)] = PLOT_TEMPLATE
        if _recorded(e, record):
            out[accuracy_plot(e.name)] = PLOT_TEMPLATE
    return out


def _recorded(entry, record) -> bool:
    from symact.derive.kernels import entry_kernels
    return bool(record) and any(k.name in record["kernels"] for k in entry_kernels(entry))


def shown(entry) -> dict:
    """``{"properties", "theorems"}`` at the default parameters, as ``symact show --json``
    has them (memoised: the proof engine's answers do not change within a process)."""
    key = (entry.name, sp.srepr(entry.expr), tuple(map(str, entry.constraints)))
    if key not in _SHOWN:
        from symact.proof.report import show_info
        _SHOWN[key] = show_info(entry, entry.bind({}))
    return _SHOWN[key]


# --- printing: facts as markdown text --------------------------------------------------

def latex(expr) -> str:
    """LaTeX that GitHub renders inside a table cell (a ``|`` would end the cell), long
    numbers (SELU's 50-digit constants) to 17 significant digits."""
    return sp.latex(_short_numbers(sp.sympify(expr))).replace("|", r"\vert ")


def operator(name: str) -> str:
    """An activation's name as a LaTeX operator."""
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


def number(v) -> str:
    """A property's bound: 6 significant digits, ``∞`` for infinity."""
    if v == "inf":
        return "∞"
    if v == "-inf":
        return "-∞"
    return f"{float(v):.6g}"


def range_text(r: dict) -> str:
    return (("[" if r["lower_closed"] else "(") + number(r["lower"]) + ", " + number(r["upper"])
            + ("]" if r["upper_closed"] else ")"))


def property_text(key: str, value) -> str:
    if key == "range":
        return range_text(value)
    if key == "continuity":
        if value == "inf":
            return "C<sup>∞</sup>"
        return "discontinuous" if value == -1 else f"C<sup>{value}</sup>"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def mark(status: str) -> str:
    return MARKS.get(status, status)


def ulp_text(r: dict | None) -> str:
    """A recorded max ULP: ``0.5``, bold when over budget, ``—`` when not recorded."""
    if r is None:
        return "—"
    v = r["max_ulp"]
    text = "inf" if v == "inf" else f"{v:g}"
    return text if r["ok"] else f"**{text}**"


def _short_numbers(expr):
    """Long exact rationals (certified roots) and 50-digit Floats (SELU's constants)
    shown to 17 significant digits."""
    if not isinstance(expr, sp.Basic):
        return expr
    big = {r: sp.Float(r, 17) for r in expr.atoms(sp.Rational) if len(str(r)) > 24}
    big.update({f: sp.Float(f, 17) for f in expr.atoms(sp.Float) if f._prec > 60})
    return expr.xreplace(big) if big else expr


# --- the document's context --------------------------------------------------------------

def columns(record=None) -> list[tuple[str, str]]:
    """(backend, dtype) of every accuracy column: every registered backend's dtypes that
    the record has results for (all of them without a record); a backend that could
    not be measured where the record was made (jax on a CPU) has no column."""
    from symact.emit import registry
    cols = [(name, d.name) for name, b in registry.backends().items() for d in b.dtypes]
    if not record:
        return cols
    seen = {key for k in record["kernels"].values() for key in k["results"]}
    return [c for c in cols if f"{c[0]}/{c[1]}" in seen]


def _properties(info: dict) -> list[dict]:
    props = info["properties"]
    out = []
    for key, title in PROPERTIES:
        if key in props:
            status = props["status"].get(key, "")
            out.append({"key": key, "title": title, "value": property_text(key, props[key]),
                        "status": status, "mark": mark(status), "detail": props.get("detail", {}).get(key, "")})
    return out


def _theorems(entry, info: dict) -> list[dict]:
    from symact.proof.theorems import about
    statements = {t.name: t for t in about(entry.name)}
    out = []
    for r in info["theorems"]:
        t = statements.get(r["name"])
        out.append({"name": r["name"], "status": r["status"], "strategy": r["strategy"],
                    "statement": latex(t.statement) if t is not None else "",
                    "where": latex(t.where) if t is not None and t.where is not sp.true else "",
                    "source": t.source if t is not None else ""})
    return out


def _derivatives(entry) -> list[dict]:
    if entry.vector:
        from symact.define.model import K
        return [{"wrt": f"x_{K}", "latex": latex(derive.vector_grad_symbolic(entry).doit())}]
    return [{"wrt": latex(sp.Symbol(wrt)), "latex": latex(d)}
            for wrt, d in derive.derivatives(entry, symbolic=True).items()]


def _stable(entry, forms) -> list[dict]:
    out = []
    for name, k in forms.items():
        if k.activation != entry.name:
            continue
        how = "hand override, proved equal" if k.source == "override" else (
            "rules " + ", ".join(f"`{a.rule}`" for a in k.applied) if k.applied else "the definition as it is")
        out.append({"kernel": name, "wrt": k.wrt, "form": str(_short_numbers(k.stable)), "how": how})
    return out


def _special(entry, forms) -> list[dict]:
    out = []
    for name, k in forms.items():
        if k.activation == entry.name:
            s = _facts.special_values(k, entry.constraints, entry.defaults)
            out.append({"kernel": name, "cells": [v for _, v in s.values], "at_defaults": s.at_defaults})
    return out


def _accuracy(specs, record, cols) -> list[dict]:
    from symact.verify.record import result
    rows = []
    for spec in specs:
        rs = [result(record, spec.name, b, d) for b, d in cols]
        problems = [f"{b}/{d}: " + "; ".join(r["problems"])
                    for (b, d), r in zip(cols, rs) if r is not None and r["problems"]]
        rows.append({"kernel": spec.name, "cells": [ulp_text(r) for r in rs],
                     "medians": [("—" if r is None else f"{r['median_ulp']:g}") for r in rs],
                     "problems": problems})
    return rows


def _index_cells(specs, record, cols) -> list[str]:
    """Per column, the worst recorded max ULP over the activation's kernels."""
    from symact.verify.record import result
    cells = []
    for b, d in cols:
        rs = [result(record, s.name, b, d) for s in specs]
        rs = [r for r in rs if r is not None]
        if not rs:
            cells.append("—")
            continue
        worst = max(rs, key=lambda r: (not r["ok"], float("inf") if r["max_ulp"] == "inf" else r["max_ulp"]))
        cells.append(ulp_text(worst))
    return cells


def context(entries, specs, forms, record) -> dict:
    """The template context of ``CATALOGUE.md`` (printed strings only)."""
    cols = columns(record)
    by_activation: dict = {}
    for s in specs:
        by_activation.setdefault(s.activation, []).append(s)
    sections = []
    for e in entries:
        info = shown(e)
        mine = by_activation.get(e.name, [])
        sections.append({
            "name": e.name, "operator": operator(e.name), "kind": "vector" if e.vector else "scalar", "summary": e.summary,
            "reference": e.reference,
            "params": [{"name": p.name, "default": str(p.default), "value": f"{float(p.default):g}",
                        "doc": p.doc} for p in getattr(e, "params", ())],
            "constraints": [latex(c) for c in e.constraints],
            "definition": latex(e.expr),
            "derivatives": _derivatives(e),
            "kinks": [{"point": latex(sp.sympify(p)), "value": latex(sp.sympify(v))}
                      for p, v in getattr(e, "kinks", {}).items()],
            "stable": _stable(e, forms),
            "kernels": [s.name for s in mine],
            "special": _special(e, forms),
            "properties": _properties(info),
            "theorems": _theorems(e, info),
            "accuracy": _accuracy(mine, record, cols),
            "index_accuracy": _index_cells(mine, record, cols),
            "function_plot": function_plot(e.name),
            "accuracy_plot": accuracy_plot(e.name) if _recorded(e, record) else "",
        })
    measured = (record or {}).get("measured_with", {})
    return {
        "sections": sections,
        "columns": [f"{b} {d}" for b, d in cols],
        "property_titles": [t for _, t in PROPERTIES],
        "marks": [{"mark": m, "status": s} for s, m in MARKS.items()],
        "recorded": bool(record),
        "budget": f"{(record or {}).get('budget_ulp', 4.0):g}",
        "measured_with": ", ".join(f"{k} {v}" for k, v in sorted(measured.items())),
        "special_inputs": list(_facts.SPECIAL_INPUTS),
    }


def render_files(entries, specs, forms, env, record=None) -> dict[str, str]:
    """Every file of the document, rendered: ``CATALOGUE.md`` and the SVG plots."""
    from symact.define.catalogue import get
    entries = list(entries)
    files = {DOCUMENT: render(TEMPLATE, context(entries, specs, forms, record), ".md", env)}
    relu = get("relu")
    cols = columns(record)
    budget = float((record or {}).get("budget_ulp", 4.0))
    by_activation: dict = {}
    for s in specs:
        by_activation.setdefault(s.activation, []).append(s.name)
    for e in entries:
        files[function_plot(e.name)] = render(PLOT_TEMPLATE, figures.function_figure(e, relu), ".svg", env)
        if _recorded(e, record):
            fig = figures.accuracy_figure(e, by_activation.get(e.name, []), record, cols, budget)
            files[accuracy_plot(e.name)] = render(PLOT_TEMPLATE, fig, ".svg", env)
    return files
