"""pyproject.toml ships every subpackage and data directory (a plain `pip install .` misses unlisted ones)."""

from __future__ import annotations

import tomllib

from conftest import REPO


def _config():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_python_package_in_the_tree_is_listed():
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "symact").rglob("__init__.py")
    }
    listed = set(_config()["packages"])
    assert on_disk <= listed, f"missing from pyproject packages: {sorted(on_disk - listed)}"


def test_listed_packages_map_to_existing_directories():
    cfg = _config()
    for package in cfg["packages"]:
        directory = cfg["package-dir"].get(package, package.replace(".", "/"))
        assert (REPO / directory).is_dir(), package


def test_templates_and_generated_sources_are_package_data():
    cfg = _config()
    folders = {t.parent for t in (REPO / "templates").rglob("*.j2")}
    assert folders, "no templates found"
    for folder in folders:
        package = ".".join(("symact",) + folder.relative_to(REPO).parts)
        assert package in cfg["packages"], package
        assert cfg["package-dir"][package] == folder.relative_to(REPO).as_posix()
        assert "*.j2" in cfg["package-data"][package]
    assert {"*.c", "*.h"} <= set(cfg["package-data"]["symact.generated"])
