"""Shared fixtures and the Hypothesis profiles of the symact test suite.

Fixtures: ``repo`` (the checkout), ``entries`` (the built-in catalogue),
``specs`` (the kernel descriptions of the catalogue) and ``c_compiler`` (the C
compiler's command, skipping the test cleanly where none is installed; CI has
one); ``required_compiler(name)`` for a test that needs gcc or clang by name.  Hypothesis: the profile named by ``$HYPOTHESIS_PROFILE`` ("dev" by
default, "ci" in CI with more examples); no deadlines, since the kernels run
on a shared, noisy machine.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

#: The checkout the tests run in (generated/, templates/ and the README live here).
REPO = Path(__file__).resolve().parents[1]

settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def entries():
    from symact.define.catalogue import ENTRIES
    return ENTRIES


@pytest.fixture(scope="session")
def specs(entries):
    from symact.derive.kernels import kernel_specs
    return kernel_specs(entries)


def compiler_command(name: str | None = None) -> list[str] | None:
    """``$CC`` (or ``name``) split into a command, or None when it is not installed."""
    cc = shlex.split(name or os.environ.get("CC", "cc"))
    return cc if cc and shutil.which(cc[0]) else None


def required_compiler(name: str) -> list[str]:
    """The command of compiler ``name``; the test is skipped where it is not installed,
    except in CI, which installs gcc and clang, where it fails."""
    cc = compiler_command(name)
    if cc is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed on the CI machine")
        pytest.skip(f"{name} is not installed")
    return cc


@pytest.fixture(scope="session")
def c_compiler() -> list[str]:
    cc = compiler_command()
    if cc is None:
        pytest.skip("no C compiler ($CC or cc)")
    return cc


@pytest.fixture(scope="session")
def c_library(c_compiler):
    """The generated C kernels, compiled and bound as ``symact.load_c()`` does (the build
    is cached by the source's hash)."""
    from symact.emit.c import loader
    return loader.load()
