"""Speed of symact's torch and JAX kernels against the frameworks' own functions, on one thread.

    python benchmarks/speed_frameworks.py [--framework torch,jax] [--dtype float32,float64]
                                          [--n 1000000] [--compile] [--only gelu,softmax]
                                          [--out docs/speed_frameworks.md]

For each activation both frameworks have (GELU, SiLU, softplus, ...; softmax,
log_softmax and logsumexp on rows of 1000), the median time of the forward pass
and of forward + backward (the gradient of the sum) over ``--n`` elements, for
symact's function and the framework's own (``torch.nn.functional.gelu``,
``jax.nn.gelu``, ...) in the same run, and their ratio (symact / framework: the
cost of accuracy).  torch runs eagerly on the printed kernels ("eager"), eagerly
with the C library bound (``symact_torch.use_c_library(symact.c_library())``:
"eager+C"; where a C compiler is found), and with ``--compile`` also under
``torch.compile`` (inductor; the compilation itself is not timed, and takes
minutes for the larger kernels; "compile+C" with the library bound, whose calls the
graph records); JAX runs under ``jax.jit``, on the printed kernels ("jit") and with
the C library bound (``symact_jax.use_c_library(symact.c_library(xla_ffi=True))``:
"jit+C", the kernels as XLA custom calls).  One thread:
``torch.set_num_threads(1)``; XLA's CPU client with one thread (set before jax
is imported).  Prints a markdown table, and with ``--out`` writes it to that file
under a header naming the versions and the median ratios per framework and mode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

#: (symact name, the framework's own as an attribute path; None: not in the framework)
PAIRS = {
    "torch": {
        "relu": "torch.nn.functional.relu", "gelu": "torch.nn.functional.gelu",
        "gelu_tanh": "gelu_tanh", "silu": "torch.nn.functional.silu",
        "softplus": "torch.nn.functional.softplus", "sigmoid": "torch.sigmoid", "tanh": "torch.tanh",
        "elu": "torch.nn.functional.elu", "mish": "torch.nn.functional.mish",
        "log_sigmoid": "torch.nn.functional.logsigmoid", "softmax": "torch.softmax",
        "log_softmax": "torch.log_softmax", "logsumexp": "torch.logsumexp",
    },
    "jax": {
        "relu": "jax.nn.relu", "gelu": "gelu_erf", "gelu_tanh": "jax.nn.gelu", "silu": "jax.nn.silu",
        "softplus": "jax.nn.softplus", "sigmoid": "jax.nn.sigmoid", "tanh": "jax.numpy.tanh",
        "elu": "jax.nn.elu", "mish": "jax.nn.mish", "log_sigmoid": "jax.nn.log_sigmoid",
        "softmax": "jax.nn.softmax", "log_softmax": "jax.nn.log_softmax",
        "logsumexp": "jax.nn.logsumexp",
    },
}
VECTOR = ("softmax", "log_softmax", "logsumexp")


def _median_time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _resolve(path: str):
    import importlib
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _c_library(xla_ffi=False):
    """The compiled C library's path (with the XLA FFI handlers for JAX), or None (with a
    note) where there is no compiler."""
    import symact
    from symact.emit.c.loader import compiler_found
    if not compiler_found():
        print("no C compiler ($CC or cc): no rows with the C library", file=sys.stderr)
        return None
    return symact.c_library(xla_ffi=xla_ffi)


def torch_rows(names, dtypes, n, repeat, compile_too):
    import torch

    import symact_torch

    torch.set_num_threads(1)
    c_path = _c_library()
    native_special = {"gelu_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh")}
    for name in names:
        ours = getattr(symact_torch, name)
        theirs = native_special.get(name) or _resolve(PAIRS["torch"][name])
        if name in VECTOR:
            ours_fn = (lambda f: lambda x: f(x, dim=-1))(ours)
            theirs_fn = (lambda f: lambda x: f(x, -1))(theirs)
        else:
            ours_fn, theirs_fn = ours, theirs
        for dtype in dtypes:
            gen = torch.Generator().manual_seed(0)
            shape = (n // 1000, 1000) if name in VECTOR else (n,)
            x = (torch.randn(shape, generator=gen, dtype=torch.float64) * 5).to(getattr(torch, dtype))
            modes = [("eager", ours_fn, theirs_fn)]
            if c_path is not None:
                modes.append(("eager+C", ours_fn, theirs_fn))
            if compile_too:
                # each dtype and grad mode is a graph of its own; the default limit of 8
                # per function would send the later ones back to eager
                torch._dynamo.config.recompile_limit = 64
                modes.append(("compile", torch.compile(ours_fn), torch.compile(theirs_fn)))
                if c_path is not None:
                    modes.append(("compile+C", torch.compile(ours_fn), torch.compile(theirs_fn)))
            for mode, a, b in modes:
                symact_torch.use_c_library(c_path if mode.endswith("+C") else None)
                try:
                    timed = _pair(torch, a, b, x, repeat)
                finally:
                    symact_torch.use_c_library(None)
                yield ("torch", mode, name, dtype) + timed


def _pair(torch, a, b, x, repeat):
    def fwd(f):
        def run():
            with torch.no_grad():
                f(x)
        return run

    def fwd_bwd(f):
        def run():
            xg = x.detach().requires_grad_(True)
            f(xg).sum().backward()
        return run

    return (_median_time(fwd(a), repeat), _median_time(fwd(b), repeat),
            _median_time(fwd_bwd(a), repeat), _median_time(fwd_bwd(b), repeat))


def jax_rows(names, dtypes, n, repeat):
    import jax
    import jax.numpy as jnp

    import symact_jax

    special = {"gelu_erf": lambda x: jax.nn.gelu(x, approximate=False)}
    c_path = _c_library(xla_ffi=True)
    modes = ["jit"] + (["jit+C"] if c_path is not None else [])
    for name in names:
        ours = getattr(symact_jax, name)
        path = PAIRS["jax"][name]
        theirs = special.get(path) or _resolve(path)
        for dtype in dtypes:
            with jax.enable_x64(dtype == "float64"):
                shape = (n // 1000, 1000) if name in VECTOR else (n,)
                x = jax.random.normal(jax.random.PRNGKey(0), shape, dtype=getattr(jnp, dtype)) * 5
                for mode in modes:
                    # read when a function is traced: each mode's jitted functions are new
                    symact_jax.use_c_library(c_path if mode == "jit+C" else None)
                    row = []
                    try:
                        for f in (ours, theirs):
                            fwd = jax.jit(lambda v, f=f: f(v))
                            grad = jax.jit(jax.grad(lambda v, f=f: jnp.sum(f(v))))
                            row.append((_median_time(lambda: fwd(x).block_until_ready(), repeat),
                                        _median_time(lambda: grad(x).block_until_ready(), repeat)))
                    finally:
                        symact_jax.use_c_library(None)
                    yield ("jax", mode, name, dtype, row[0][0], row[1][0], row[0][1], row[1][1])


def _write(args, head, lines, ratios):
    versions = []
    for module in ("torch", "jax"):
        if module in sys.modules:
            versions.append(f"{module} {sys.modules[module].__version__}")
    summary = [f"- {fw} {mode}: symact / own median {statistics.median(r[0] for r in rs):.1f} (forward), "
               f"{statistics.median(r[1] for r in rs):.1f} (forward + backward), {len(rs)} rows; "
               f"within 1.5x: {sum(r[0] <= 1.5 for r in rs)} forward, {sum(r[1] <= 1.5 for r in rs)} "
               f"forward + backward" for (fw, mode), rs in ratios.items()]
    text = "\n".join([
        "# Speed of the torch and JAX kernels against the frameworks' own functions", "",
        f"Generated by `python benchmarks/speed_frameworks.py {' '.join(sys.argv[1:])}` (method in "
        f"its docstring): {args.n:.0e} elements (vector kernels: rows of 1000), one thread, the median "
        f"of {args.repeat} runs; {', '.join(versions)}. Ratios are symact / own: below 1, symact is "
        "faster; the framework's own functions lose every digit in the tails (README, accuracy).", "",
        *summary, "", head, *lines, ""])
    Path(args.out).write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--framework", default="torch,jax")
    ap.add_argument("--dtype", default="float32,float64")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--compile", action="store_true", help="torch: also under torch.compile (slow to compile)")
    ap.add_argument("--only", default="", help="comma-separated activation names")
    ap.add_argument("--out", default="", help="also write the table (markdown) to this file")
    args = ap.parse_args(argv)
    frameworks = [f for f in args.framework.split(",") if f]
    dtypes = [d for d in args.dtype.split(",") if d]
    if "jax" in frameworks:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    head = ("| framework | mode | activation | dtype | symact fwd ms | own fwd ms | fwd ratio "
            "| symact fwd+bwd ms | own fwd+bwd ms | fwd+bwd ratio |\n|---|---|---|---|---|---|---|---|---|---|")
    print(head, flush=True)
    lines, ratios = [], {}
    for fw in frameworks:
        names = [n for n in PAIRS[fw] if not args.only or n in args.only.split(",")]
        rows = torch_rows(names, dtypes, args.n, args.repeat, args.compile) if fw == "torch" else \
            jax_rows(names, dtypes, args.n, args.repeat)
        for fwk, mode, name, dtype, af, bf, ab, bb in rows:
            line = (f"| {fwk} | {mode} | {name} | {dtype} | {af * 1e3:.2f} | {bf * 1e3:.2f} | {af / bf:.1f} "
                    f"| {ab * 1e3:.2f} | {bb * 1e3:.2f} | {ab / bb:.1f} |")
            print(line, flush=True)
            lines.append(line)
            ratios.setdefault((fwk, mode), []).append((af / bf, ab / bb))
    if args.out:
        _write(args, head, lines, ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
