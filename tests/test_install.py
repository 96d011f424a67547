"""A plain (non-editable) `pip install .` into a fresh venv gives a working tool outside the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv

import pytest

from conftest import REPO  # noqa: E402


@pytest.mark.slow
def test_fresh_venv_install_works_outside_the_checkout(tmp_path):
    src = tmp_path / "src"
    # A copy of the tracked tree, so the build leaves nothing in the checkout.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(src)], check=True, timeout=900)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    listed = subprocess.run([str(env_dir / "bin" / "symact"), "list", "--json"], cwd=outside,
                            capture_output=True, text=True, check=True)
    assert "softmax" in {row["name"] for row in json.loads(listed.stdout)}
    probe = ("import symact, symact_numpy, symact.emit.resources as r; "
             "print(symact_numpy.__file__); print(symact.__file__); print(r.templates_dir())")
    where = subprocess.run([str(py), "-c", probe], cwd=outside, capture_output=True, text=True, check=True)
    for line in where.stdout.split():
        assert str(REPO) not in line and "site-packages" in line
    assert sys.prefix not in where.stdout
    # outside a checkout, `generate --check` says there is nothing to check (exit 2, no diff);
    # `generate` writes what the checkout has (the accuracy record ships with the package)
    symact_bin = str(env_dir / "bin" / "symact")
    check = subprocess.run([symact_bin, "generate", "--check"], cwd=outside, capture_output=True, text=True)
    assert check.returncode == 2 and check.stdout == "" and "no such directory" in check.stderr
    subprocess.run([symact_bin, "generate", "--out", "gen"], cwd=outside, capture_output=True, check=True)
    for name in ("symact.h", "CATALOGUE.md", "plots/gelu_accuracy.svg"):
        assert (outside / "gen" / name).read_bytes() == (REPO / "generated" / name).read_bytes(), name
