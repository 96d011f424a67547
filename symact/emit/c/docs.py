"""The per-function documentation of the C header, printed from the pipeline.

For each kernel, comment lines stating the formula it computes (the catalogue
definition, or its ``sympy.diff`` derivative with the kink convention), its
parameters with their catalogue defaults and constraints, its special values
(:mod:`symact.emit.facts`) and its measured accuracy on this backend
(:mod:`symact.verify.record`, what ``symact verify --record`` measured), and a
``<LIBRARY>_<ACTIVATION>_<PARAM>_DEFAULT`` macro per parameter, since C has no
default arguments.  Every line is safe inside a ``/* */`` comment.
"""

from __future__ import annotations

import textwrap

from symact.emit import facts
from symact.emit.printing import safe_comment

#: Width of the header's comment text (after `` *   ``).
WIDTH = 92


def _wrap(label: str, text: str) -> list[str]:
    lead = f"{label:<10}"
    lines = textwrap.wrap(text, WIDTH - len(lead), break_long_words=True, break_on_hyphens=False)
    return [safe_comment((lead if i == 0 else " " * len(lead)) + line) for i, line in enumerate(lines)]


def default_macro(library: str, spec, param) -> str:
    return f"{library.upper()}_{spec.activation.upper()}_{param.name.upper()}_DEFAULT"


def _c_number(v: float) -> str:
    """A double literal; negative ones in parentheses (safe in any macro expansion)."""
    text = repr(float(v))
    text = text if any(c in text for c in ".e") else text + ".0"
    return f"({text})" if text.startswith("-") else text


def defaults(library: str, kernels) -> list[dict]:
    """One ``#define`` per parameter of each activation (once per activation)."""
    seen, out = set(), []
    for spec in kernels:
        for p in spec.params:
            name = default_macro(library, spec, p)
            if name not in seen:
                seen.add(name)
                out.append({"name": name, "value": _c_number(p.default),
                            "doc": safe_comment(f"{spec.activation}: default {p.name}"
                                                + (f" ({p.doc})" if p.doc else ""))})
    return out


def _accuracy(spec, record, dtypes) -> str:
    from symact.verify.record import result
    parts = []
    for d in dtypes:
        r = result(record, spec.name, "c", d.name)
        if r is not None:
            v = r["max_ulp"]
            parts.append(f"{'inf' if v == 'inf' else format(v, 'g')} ULP ({d.ctype})"
                         + ("" if r["ok"] else " OVER BUDGET"))
    if not parts:
        return "not recorded (symact verify --record)"
    return "max " + ", ".join(parts) + " on every float (symact verify --record)"


def lines(library: str, spec, form, record, dtypes) -> list[str]:
    """The comment lines documenting ``spec`` (``form``: its stable form, None for a
    vector kernel)."""
    out = []
    if form is not None:
        out += _wrap("computes", f"{'f' if spec.wrt == 'f' else 'd/d' + spec.wrt + ' f'} = {form.definition}")
    for p in spec.params:
        out += _wrap("param", f"{p.name}: default {_c_number(p.default).strip('()')} ({default_macro(library, spec, p)})"
                     + (f", {p.doc}" if p.doc else ""))
    if spec.constraints:
        out += _wrap("requires", spec.constraint_text + " (else SYMACT_EINVAL, nothing written)")
    if form is not None:
        s = facts.special_values(form, spec.constraints, spec.defaults)
        text = ", ".join(f"{label} -> {value}" for label, value in s.values)
        out += _wrap("special", text + (" (at the default parameters)" if s.at_defaults else ""))
    else:
        out += _wrap("special", "rows with nan, +inf or all -inf entries as in the contract (see above)")
    out += _wrap("accuracy", _accuracy(spec, record, dtypes))
    return out
