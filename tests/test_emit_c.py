"""The generated C: strict compile, C++ header, a sanitized driver over every kernel, cbuild."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import symact_numpy as S
from symact.define import catalogue
from symact.emit.resources import generated_dir
from conftest import required_compiler

GEN = generated_dir()
CC = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
CXX = shutil.which("g++") or shutil.which("c++")
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]

needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler")
DECL = re.compile(r"^int (symact_\w+?)_(f64|f32)\(([^)]*)\);", re.M)


def _decls():
    return DECL.findall((GEN / "symact.h").read_text())


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_compiles_with_strict_flags(compiler, tmp_path):
    """Warning-free under both compilers; CI installs both, so there the test cannot skip."""
    cc = required_compiler(compiler)
    for opt in ("-O0", "-O2", "-O3"):
        proc = subprocess.run([*cc, *STRICT, opt, "-c", str(GEN / "symact.c"), "-o", str(tmp_path / "s.o")],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{compiler} {opt}:\n{proc.stderr[:3000]}"


@pytest.mark.skipif(CXX is None, reason="no C++ compiler")
def test_header_compiles_as_cpp(tmp_path):
    src = tmp_path / "t.cpp"
    src.write_text('#include "symact.h"\nint main() { double x = 1, y; '
                   'return symact_relu_f64(1, &x, &y, 0) == 0 ? 0 : 1; }\n'.replace(", 0)", ")"))
    subprocess.run([CXX, "-std=c++11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                    "-I", str(GEN), str(src)], check=True, capture_output=True)


# constraint-breaking values for the driver (a nan parameter is refused by every kernel)
INVALID = {"elu": {"alpha": "-1"}, "srelu": {"alpha": "-1"}, "celu": {"alpha": "0"},
           "softplus": {"beta": "0"}, "squareplus": {"b": "-1"},
           "hardtanh": {"min_val": "2", "max_val": "1"}}


def _driver() -> str:
    lines = ['#include "symact.h"', "#include <math.h>", "#include <stdio.h>", "#include <string.h>",
             "static int fails = 0;",
             "#define CHECK(c) do { if (!(c)) { fails++; printf(\"FAIL %s line %d\\n\", #c, __LINE__); } } while (0)",
             "int main(void) {",
             "  double xd[6] = {-800.0, -1.0, 0.0, 1.0, INFINITY, NAN}, yd[6], zd[6];",
             "  float xf[6] = {-800.0f, -1.0f, 0.0f, 1.0f, INFINITY, NAN}, yf[6], zf[6];",
             "  double vx[6] = {1, 2, 3, -1, -2, -3}, vg[6] = {1, 0, 0, 0, 1, 0}, vy[6];",
             "  float wx[6] = {1, 2, 3, -1, -2, -3}, wg[6] = {1, 0, 0, 0, 1, 0}, wy[6];",
             "  int i;"]
    vector = {"logsumexp", "softmax", "log_softmax", "logsumexp_grad", "softmax_vjp", "log_softmax_vjp"}
    for cname, tag, args in _decls():
        name = cname[len("symact_"):]
        T, x, y, z = ("double", "xd", "yd", "zd") if tag == "f64" else ("float", "xf", "yf", "zf")
        if name in vector:
            vx, vg, vy = ("vx", "vg", "vy") if tag == "f64" else ("wx", "wg", "wy")
            g = f"{vg}, " if "vjp" in name else ""
            lines += [f"  CHECK({cname}_{tag}(2, 3, {vx}, {g}{vy}) == 0);",
                      f"  CHECK({cname}_{tag}(0, 3, {vx}, {g}{vy}) == 0);"]
            continue
        params = [a.split()[-1] for a in args.split(",")[3:]]
        entry = catalogue.get(re.sub(r"_grad(_\w+)?$", "", name))
        default = {p.name: repr(float(p.default)) for p in entry.params}
        call = lambda xs, ys, n, vals: f"{cname}_{tag}({n}, {xs}, {ys}{''.join(', ' + vals[p] for p in params)})"  # noqa: E731
        lines.append(f"  CHECK({call(x, y, 6, default)} == 0);")
        lines.append(f"  memcpy({z}, {x}, sizeof {z});")
        lines.append(f"  CHECK({call(z, z, 6, default)} == 0);  /* in place */")
        lines.append(f"  for (i = 0; i < 6; i++) CHECK(memcmp(&{z}[i], &{y}[i], sizeof({T})) == 0 || ({z}[i] != {z}[i] && {y}[i] != {y}[i]));")
        lines.append(f"  CHECK(isnan({y}[5]));")
        lines.append(f"  CHECK({call('NULL', 'NULL', 0, default)} == 0);  /* n == 0 */")
        if params:
            bad = dict(default, **{params[0]: "NAN"})
            lines.append(f"  {y}[0] = 42; CHECK({call(x, y, 6, bad)} == SYMACT_EINVAL); CHECK({y}[0] == 42);")
            inv = INVALID.get(entry.name)
            if inv:
                lines.append(f"  {y}[0] = 42; CHECK({call(x, y, 6, dict(default, **inv))} == SYMACT_EINVAL); "
                             f"CHECK({y}[0] == 42);")
    lines += ['  printf(fails ? "FAILED\\n" : "OK\\n");', "  return fails != 0;", "}"]
    return "\n".join(lines) + "\n"


@needs_cc
def test_driver_under_sanitizers(tmp_path):
    src = tmp_path / "driver.c"
    src.write_text(_driver())
    exe = tmp_path / "driver"
    # -O0: a large main() under the sanitizers compiles slowly when optimised
    flags = ["-std=c99", "-g", "-O0", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
             "-fno-omit-frame-pointer", "-I", str(GEN)]
    proc = subprocess.run([CC, *flags, str(src), str(GEN / "symact.c"), "-o", str(exe), "-lm"],
                          capture_output=True, text=True)
    if proc.returncode != 0 and "sanitize" in proc.stderr and "cannot find" in proc.stderr:
        pytest.skip("sanitizer runtime not installed")
    assert proc.returncode == 0, proc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True,
                         env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
    assert run.returncode == 0 and run.stdout.strip().endswith("OK"), run.stdout + run.stderr
    assert "runtime error" not in run.stderr


@pytest.fixture(scope="module")
def C(tmp_path_factory):
    if CC is None:
        pytest.skip("no C compiler")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    from symact.emit.c import loader as cbuild
    return cbuild.load()


def test_cbuild_exposes_the_numpy_api(C):
    assert sorted(C.__all__) == sorted(S.__all__)
    for name in S.__all__:
        sig_np = inspect.signature(getattr(S, name))
        if name in ("logsumexp", "softmax", "log_softmax", "logsumexp_grad", "softmax_vjp", "log_softmax_vjp"):
            assert list(inspect.signature(getattr(C, name)).parameters) == list(sig_np.parameters)
            continue
        params = {k: v.default for k, v in sig_np.parameters.items() if k != "x"}
        x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
        a, b = getattr(C, name)(x, **params), getattr(S, name)(x, **params)
        assert a.dtype == b.dtype == np.float64
        np.testing.assert_array_max_ulp(a, b, maxulp=8)
        a32 = getattr(C, name)(x.astype(np.float32))
        assert a32.dtype == np.float32
        assert getattr(C, name)(np.float64(0.5)).shape == ()


def test_cbuild_values_and_errors(C):
    assert C.sigmoid(0.0) == 0.5
    assert C.softplus(np.array([-np.inf, np.inf]))[0] == 0.0
    assert C.silu(-np.inf) == 0.0
    with pytest.raises(ValueError, match="alpha >= 0"):
        C.elu([1.0], alpha=-1.0)
    y = C.softmax(np.array([[0.0, 0.0], [1.0, 1.0]]), axis=0)
    np.testing.assert_array_equal(y, [[0.2689414213699951, 0.2689414213699951],
                                      [0.7310585786300049, 0.7310585786300049]])


@pytest.mark.slow
def test_cbuild_caches_and_builds_concurrently(tmp_path):
    if CC is None:
        pytest.skip("no C compiler")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    code = "import symact.emit.c.loader as c; print(c.build())"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate()[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1] and Path(outs[0]).is_file()
    assert not [p for p in (tmp_path / "symact").iterdir() if p.suffix == ".tmp"]


def test_compile_flags_default_and_override(monkeypatch, tmp_path):
    """load_c() builds with -O3 -fno-math-errno and the machine's instruction set where
    the compiler takes -march=native; $SYMACT_CFLAGS replaces the optimisation flags;
    a compiler that refuses -march=native gets none."""
    from symact.emit.c import loader
    monkeypatch.delenv("SYMACT_CFLAGS", raising=False)
    flags = loader.compile_flags()
    assert flags[:2] == ["-O3", "-fno-math-errno"] and flags[-3:] == list(loader.BASE_FLAGS)
    assert "-ffast-math" not in flags
    monkeypatch.setenv("SYMACT_CFLAGS", "-O1 -DX=1")
    assert loader.compile_flags() == ["-O1", "-DX=1", *loader.BASE_FLAGS]
    fake = tmp_path / "cc-without-native"
    fake.write_text("#!/bin/sh\nfor a; do [ \"$a\" = -march=native ] && exit 1; done\nexit 0\n")
    fake.chmod(0o755)
    assert loader.native_flags([str(fake)]) == []


def test_xla_ffi_build_without_jax_says_so(monkeypatch):
    # the XLA FFI handlers need XLA's C API header, which comes with jaxlib
    import sys

    from symact.emit.c import loader
    monkeypatch.setitem(sys.modules, "jax.ffi", None)
    with pytest.raises(loader.BuildError, match=r"the XLA FFI handlers need jax installed"):
        loader.build(xla_ffi=True)
