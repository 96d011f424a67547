"""Accuracy of symact's kernels beside peers, on the same grid, oracle and metric.

    python benchmarks/accuracy_peers.py [--out docs/accuracy.md] [--dtype float32,float64]

Measures, at the catalogue's default parameters, symact's generated NumPy module
and C library (``symact.verify``) and the peers of ``benchmarks/peers.py``
(textbook NumPy formulas, SciPy, PyTorch when installed) with
``symact.verify.measure``: max ULP over the whole finite grid against the mpmath
oracle of the definition, non-finite results where the exact value is finite
counted apart, the special-value contract checked.  Writes a markdown table and,
per activation, an SVG plot of the error against x of every implementation
(``docs/accuracy/NAME.svg``, drawn by symact's own plot writer,
:mod:`symact.emit.plot`): the tails where the textbook formulas fail.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers  # noqa: E402

from symact.define.catalogue import ENTRIES  # noqa: E402
from symact.emit import figures, plot  # noqa: E402
from symact.emit.render import environment  # noqa: E402
from symact.verify import backends  # noqa: E402
from symact.verify import measure as measure_mod  # noqa: E402
from symact.verify.kernels import all_kernels  # noqa: E402
from symact.verify.metric import BUDGET_ULP, FORMATS  # noqa: E402

#: Kernels in the table (those most peers implement).
FUNCTIONS = ("sigmoid", "sigmoid_grad", "softplus", "softplus_grad", "log_sigmoid", "log_sigmoid_grad",
             "silu", "silu_grad", "tanh", "tanh_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad",
             "elu", "elu_grad", "selu", "selu_grad", "mish", "mish_grad", "softsign", "squareplus",
             "logsumexp", "logsumexp_grad", "softmax", "softmax_vjp", "log_softmax", "log_softmax_vjp")


def cell(m) -> str:
    """Max ULP, with the failures the number alone does not show."""
    if m is None:
        return "n/a"
    if m.errors:
        return "error"
    text = measure_mod.fmt_ulp(m.max_ulp)
    notes = []
    if m.nonfinite_count:
        notes.append(f"{m.nonfinite_count} non-finite")
    if m.special:
        notes.append(f"{len(m.special)} special")
    if notes:
        text += " (" + ", ".join(notes) + ")"
    return f"**{text}**" if not m.ok else text


def measure_all(impls: dict, dtypes, say) -> dict:
    kernels = {k.function: k for k in all_kernels(ENTRIES)}
    results = {}
    for fn in FUNCTIONS:
        k = kernels[fn]
        k = dataclasses.replace(k, param_sets=({},))  # the defaults only
        for d in dtypes:
            for name, mod in impls.items():
                if not callable(getattr(mod, fn, None)):
                    results[fn, d, name] = None
                    continue
                t0 = time.perf_counter()
                results[fn, d, name] = measure_mod.measure(k, mod, name, FORMATS[d])
                say(f"{fn:<18} {d:<8} {name:<12} {measure_mod.fmt_ulp(results[fn, d, name].max_ulp):>9} ULP"
                    f" ({time.perf_counter() - t0:.1f} s)")
    return results


def worst(results, impl, dtype):
    ms = [m for (fn, d, name), m in results.items() if name == impl and d == dtype and m is not None]
    if not ms:
        return None
    return max(ms, key=lambda m: (m.nonfinite_count > 0 or bool(m.special) or bool(m.errors), m.max_ulp))


#: Line styles of the implementations in the plots, in the order they are measured.
DASHES = ("", "5,3", "", "2,2", "7,2,2,2")


def families() -> dict:
    """{activation: [its kernels in FUNCTIONS]}, in FUNCTIONS order."""
    out: dict = {}
    kernels = {k.function: k for k in all_kernels(ENTRIES)}
    for fn in FUNCTIONS:
        out.setdefault(kernels[fn].entry, []).append(fn)
    return out


def plots(results, impls, dtypes, folder: Path) -> dict:
    """One SVG per activation: a panel per kernel and dtype (log scale), a line per
    implementation.  Returns {activation: file name}."""
    env = environment()
    template = env.get_template("docs/plot.svg.j2")
    names = list(impls)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for entry, fns in families().items():
        panels = []
        for fn in fns:
            for d in dtypes:
                lines = [(name, plot.PALETTE[i % len(plot.PALETTE)], DASHES[i % len(DASHES)],
                          results[fn, d, name].profile.values())
                         for i, name in enumerate(names) if results.get((fn, d, name)) is not None]
                panels.append(figures.profile_panel(f"{fn}, {d}", np.dtype(d).type, lines, y_log=True,
                                                    budget=BUDGET_ULP))
        fig = plot.figure(f"{entry}: error against x, symact and its peers", panels, columns=len(dtypes),
                          note="max error per stretch of x (errors below 0.1 ULP drawn at 0.1); "
                               "written by python benchmarks/accuracy_peers.py")
        name = f"{entry}.svg"
        text = ("<!-- Written by python benchmarks/accuracy_peers.py (do not edit by hand). "
                "Template: docs/plot.svg.j2 -->\n" + template.render(**fig))
        (folder / name).write_text(text, encoding="utf-8")
        written[entry] = name
    return written


def markdown(results, impls, dtypes, plotted=None, folder: str = "accuracy") -> str:
    names = list(impls)
    out = ["# Accuracy: symact beside its peers", "",
           "Generated by `python benchmarks/accuracy_peers.py` (do not edit by hand; `symact verify` "
           "gives the full per-region table for symact alone). Method as in docs/contract.md, \"Accuracy\": "
           "max error in ULPs of the "
           "dtype against an mpmath oracle of the catalogue definition (adaptive precision), over the "
           "whole finite range (log-spaced magnitudes on both signs, a dense grid on [-40, 40], exp's "
           "overflow/underflow thresholds and their neighbours, subnormals; vector kernels on rows of "
           "length 1..3000 with scales up to 1e300, dominant entries, ties and -inf entries). "
           "Default parameters. **Bold**: over the "
           f"{BUDGET_ULP:g}-ULP budget, a non-finite result where the exact value is finite, or a "
           "special value (+-0, +-inf, nan, +inf/nan/all -inf rows) off the contract. n/a: the peer "
           "has no such function. Peer results are cast back to the input dtype.", ""]
    out += ["## Headline: worst kernel per implementation", "",
            "| implementation | " + " | ".join(dtypes) + " |", "|---|" + "---|" * len(dtypes)]
    for name in names:
        row = []
        for d in dtypes:
            m = worst(results, name, d)
            row.append("n/a" if m is None else f"{cell(m)} ({m.function})")
        out.append(f"| {name} | " + " | ".join(row) + " |")
    for d in dtypes:
        out += ["", f"## {d}: max ULP", "", "| kernel | " + " | ".join(names) + " |",
                "|---|" + "---|" * len(names)]
        for fn in FUNCTIONS:
            out.append(f"| `{fn}` | " + " | ".join(cell(results.get((fn, d, n))) for n in names) + " |")
    if plotted:
        out += ["", "## Error against x", "",
                "The largest error per stretch of x, on a logarithmic scale, for every implementation: "
                "x is linear on [-40, 40] and doubly logarithmic beyond (log(1 + log10(|x|/40)), so the "
                "decades where exp overflows get room), out to the largest float; a "
                "cross at the top marks non-finite results where the exact value is finite. symact's "
                "own plots, with every kernel and parameter set, are in generated/CATALOGUE.md.", ""]
        for entry, name in plotted.items():
            out += [f"![{entry}: error against x]({folder}/{name})", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/accuracy.md")
    ap.add_argument("--dtype", default="float32,float64")
    args = ap.parse_args(argv)
    dtypes = tuple(args.dtype.split(","))
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    impls = {}
    for b, label in (("numpy", "symact NumPy"), ("c", "symact C")):
        try:
            impls[label] = backends.load(b)
        except backends.BackendError as err:
            say(f"skipping {label}: {err}")
    impls.update(peers.available())
    results = measure_all(impls, dtypes, say)
    out = Path(args.out)
    folder = out.with_suffix("")  # docs/accuracy.md -> docs/accuracy/
    plotted = plots(results, impls, dtypes, folder)
    text = markdown(results, impls, dtypes, plotted, folder.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    say(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
