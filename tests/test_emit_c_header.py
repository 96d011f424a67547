"""symact.h documents every function (formula, parameters, defaults, constraints, special
values, measured accuracy), has a version macro and refuses -ffast-math; the CMake file
builds, installs and exports the kernels (with a pkg-config file) for C projects."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import symact
from conftest import REPO
from symact.define.catalogue import get
from symact.verify import record

HEADER = (REPO / "generated" / "symact.h").read_text()


def _doc(function: str) -> str:
    """The comment above ``int symact_<function>_f64(``."""
    end = HEADER.index(f"int symact_{function}_f64(")
    return HEADER[HEADER.rindex("/*", 0, end):end]


def test_every_function_is_documented(specs):
    rec = record.load(REPO / "generated" / "accuracy.json")
    for spec in specs:
        doc = _doc(spec.name)
        assert "special" in doc and "accuracy" in doc, spec.name
        if not spec.vector:
            assert "computes" in doc, spec.name
        for p in spec.params:
            assert f"{p.name}: default" in doc, (spec.name, p.name)
        if spec.constraints:
            assert f"requires  {spec.constraint_text}" in doc, spec.name
        for dtype, ctype in (("float64", "double"), ("float32", "float")):
            v = rec["kernels"][spec.name]["results"][f"c/{dtype}"]["max_ulp"]
            assert re.search(rf"\b{re.escape(format(v, 'g'))} ULP \({ctype}\)", doc), (spec.name, dtype, v)


def test_documented_facts():
    assert "computes  f = Piecewise((x, x > 0), (alpha*(exp(x) - 1), True))" in _doc("elu")
    assert "nan -> nan, -inf -> -alpha, +inf -> inf, +-0 -> 0" in _doc("elu")
    assert "-inf -> 0, +inf -> 0, +-0 -> 1/4" in _doc("sigmoid_grad")
    assert "requires  beta > 0" in _doc("softplus")
    # parameter defaults as macros, equal to the catalogue's
    for name in ("elu", "leaky_relu", "hardtanh", "squareplus"):
        for p in get(name).params:
            m = re.search(rf"#define SYMACT_{name.upper()}_{p.name.upper()}_DEFAULT \(?(-?[\d.e+-]+)\)?", HEADER)
            assert m and float(m.group(1)) == float(p.default), (name, p.name)


def test_version_macro():
    assert f'#define SYMACT_VERSION "{symact.__version__}"' in HEADER
    major, minor, patch = (int(v) for v in symact.__version__.split(".")[:3])
    assert f"#define SYMACT_VERSION_MAJOR {major}" in HEADER and f"#define SYMACT_VERSION_PATCH {patch}" in HEADER


def _gcc():
    for cc in ("gcc", "clang"):
        if shutil.which(cc):
            return cc
    pytest.skip("no gcc or clang (the -ffast-math check needs __FAST_MATH__)")


def test_fast_math_is_refused(tmp_path):
    cc = _gcc()
    gen = REPO / "generated"
    bad = subprocess.run([cc, "-std=c99", "-ffast-math", "-c", str(gen / "symact.c"), "-o", str(tmp_path / "a.o")],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "do not compile with -ffast-math" in bad.stderr
    caller = tmp_path / "caller.c"
    caller.write_text("#define SYMACT_NO_FAST_MATH_CHECK\n#include \"symact.h\"\n"
                      "int call(const double *x, double *y) { return symact_gelu_f64(2, x, y); }\n")
    ok = subprocess.run([cc, "-std=c99", "-ffast-math", "-Wall", "-Werror", "-I", str(gen), "-c", str(caller),
                         "-o", str(tmp_path / "b.o")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


MAIN_C = r"""
#include <stdio.h>
#include "symact.h"
int main(void) {
    double x[3] = {-30.0, 0.0, 2.0}, y[3];
    if (symact_elu_f64(3, x, y, SYMACT_ELU_ALPHA_DEFAULT) != 0) return 1;
    printf("%s %.17g %.17g %.17g\n", SYMACT_VERSION, y[0], y[1], y[2]);
    return 0;
}
"""


@pytest.mark.slow
def test_cmake_add_subdirectory_install_and_pkg_config(tmp_path, c_compiler):
    cmake = shutil.which("cmake")
    if cmake is None:
        pytest.skip("cmake is not installed")
    lib = tmp_path / "symact"
    lib.mkdir()
    for name in ("CMakeLists.txt", "symact.cmake", "symact.h", "symact.c"):
        shutil.copy(REPO / "generated" / name, lib / name)
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(MAIN_C)
    def run(*cmd, **kw):
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    # the one line a C project adds (plus linking the target): include() or add_subdirectory()
    for how, line in (("include", f"include({lib}/symact.cmake)"), ("subdir", f"add_subdirectory({lib} symact)")):
        (app / "CMakeLists.txt").write_text(
            f"cmake_minimum_required(VERSION 3.13)\nproject(app C)\n{line}\nadd_executable(app main.c)\n"
            "target_link_libraries(app PRIVATE symact::symact)\n")
        build = tmp_path / f"build_{how}"
        run(cmake, "-S", str(app), "-B", str(build))
        run(cmake, "--build", str(build))
        out = run(str(build / "app")).split()
        assert out[0] == symact.__version__
        assert float(out[1]) == pytest.approx(-0.9999999999999064, rel=1e-15) and float(out[2]) == 0.0
        assert float(out[3]) == 2.0

    # standalone: install, then find it with pkg-config
    prefix = tmp_path / "prefix"
    run(cmake, "-S", str(lib), "-B", str(tmp_path / "libbuild"), f"-DCMAKE_INSTALL_PREFIX={prefix}")
    run(cmake, "--build", str(tmp_path / "libbuild"))
    run(cmake, "--install", str(tmp_path / "libbuild"))
    pcs = list(prefix.rglob("symact.pc"))
    assert pcs and list(prefix.rglob("symactConfig.cmake")) and list(prefix.rglob("symact.h"))
    if shutil.which("pkg-config"):
        env = {"PKG_CONFIG_PATH": str(pcs[0].parent), "PATH": "/usr/bin:/bin"}
        flags = run("pkg-config", "--cflags", "--libs", "--static", "symact", env=env).split()
        run(*c_compiler, str(app / "main.c"), *flags, "-o", str(tmp_path / "app2"))
        assert run(str(tmp_path / "app2")).split() == out
