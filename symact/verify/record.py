"""The accuracy record: what ``symact verify --record`` measured, for ``symact generate``.

``generated/accuracy.json`` (committed) holds, per kernel and per backend/dtype,
the max and median ULP error, whether the kernel is within budget, where its
worst point is, and its error profile against x (:mod:`.profile`, one value per
bin).  ``symact generate`` reads it for the accuracy columns and plots of
``generated/CATALOGUE.md`` and the per-function accuracy in ``symact.h``; it
never measures anything itself, so generation stays fast and byte-exact, and
the numbers change only when someone records them again.

Recording merges: the kernels, backends and dtypes measured replace their
entries, the others are kept.  The text is deterministic (sorted keys, numbers
rounded to 3 significant digits, profiles to 2), so recording the same results
twice writes the same bytes.  The record says which NumPy, C library and
machine type measured it (ULPs of the C kernels depend on the libm), no dates,
paths or host names.

It also says what it measured: per backend, the sha256 of the generated source's
body (the text after the generated header: :data:`MEASURED`), taken when that
backend was measured for every kernel of the catalogue in both dtypes, so a test
can tell when the committed code has changed since its accuracy was recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from symact.verify import profile as _profile
from symact.verify.measure import Measurement, where
from symact.verify.metric import BUDGET_ULP

#: Where ``symact verify --record`` writes, relative to the checkout's root.
PATH = Path("generated") / "accuracy.json"
FORMAT = 1

#: The generated file whose code each backend's measurements are of (the header and
#: the CMake files hold no kernel code; symact.h even prints the record).
MEASURED = {"numpy": "symact_numpy.py", "c": "symact.c"}


class RecordError(ValueError):
    """The record file exists but is not a record this symact can read."""


def _round(v: float, digits: int):
    if v is None:
        return None
    if not np.isfinite(v):
        return "inf"
    return float(f"{float(v):.{digits}g}")


def _profile_values(m: Measurement) -> list:
    # an exact bin is written 0, not 0.0: most bins of most kernels are exact
    return [v if v is None or isinstance(v, str) else (0 if v == 0 else _round(v, 2))
            for v in m.profile.values()]


def entry_of(m: Measurement) -> dict:
    """One measurement as it is recorded."""
    return {
        "max_ulp": _round(m.max_ulp, 3),
        "median_ulp": _round(m.overall.median, 3),
        "ok": bool(m.ok),
        "worst": where(m.overall.worst_x, m.overall.worst_params) if m.overall.worst_x is not None else None,
        "problems": m.problems(),
        "profile": _profile_values(m),
    }


def measured_with() -> dict:
    """What measured the record: the C kernels' ULPs depend on the libm."""
    libc = " ".join(platform.libc_ver()).strip() or "unknown"
    return {"machine": platform.machine() or "unknown", "libc": libc, "numpy": np.__version__,
            "python": platform.python_version()}


def body_digest(path: Path) -> str | None:
    """sha256 of a generated file's text after its generated header (which carries a
    hash of all the template's inputs, the record included), or None when absent."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
    except OSError:
        return None
    start = next((i + 1 for i, line in enumerate(lines[:10]) if "Inputs sha256:" in line), 0)
    if start < len(lines) and lines[start].strip() == "*/":
        start += 1
    return hashlib.sha256("".join(lines[start:]).encode()).hexdigest()


def _complete(report, backend: str) -> bool:
    """Whether ``report`` measured every catalogue kernel on ``backend`` in both dtypes."""
    from symact.define.catalogue import ENTRIES
    from symact.derive.kernels import kernel_specs
    want = {(k.name, d) for k in kernel_specs(ENTRIES) for d in ("float32", "float64")}
    return want <= {(m.function, m.dtype) for m in report.measurements if m.backend == backend}


def from_report(report, previous: dict | None = None, folder: Path | str | None = None) -> dict:
    """The record of ``report``'s measurements, merged into ``previous`` (kept where
    not measured again); ``folder`` holds the generated code measured (for the digests
    of :data:`MEASURED`; default: where the record lives)."""
    folder = Path(folder) if folder is not None else PATH.parent
    measured = dict((previous or {}).get("measured_sources") or {})
    for backend, name in MEASURED.items():
        digest = body_digest(folder / name)
        if digest is not None and _complete(report, backend):
            measured[backend] = {"file": name, "sha256": digest}
    kernels = {k: dict(v) for k, v in ((previous or {}).get("kernels") or {}).items()}
    for m in report.measurements:
        slot = kernels.setdefault(m.function, {"activation": m.entry, "results": {}})
        slot["activation"] = m.entry
        slot["results"] = dict(slot.get("results") or {})
        slot["results"][f"{m.backend}/{m.dtype}"] = entry_of(m)
    return {
        "format": FORMAT,
        "budget_ulp": BUDGET_ULP,
        "axis": {"core": _profile.CORE, "core_bins": _profile.CORE_BINS, "tail_bins": _profile.TAIL_BINS},
        "measured_with": measured_with(),
        "measured_sources": measured,
        "regenerate": "symact verify --record, then symact generate",
        "kernels": kernels,
    }


def dumps(record: dict) -> str:
    """Deterministic text: one line per kernel result, keys sorted."""
    def one(v):
        return json.dumps(v, sort_keys=True, separators=(", ", ": "))
    lines = ["{"]
    head = [k for k in sorted(record) if k != "kernels"]
    for k in head:
        lines.append(f"  {one(k)}: {one(record[k])},")
    lines.append('  "kernels": {')
    names = sorted(record.get("kernels", {}))
    for i, name in enumerate(names):
        slot = record["kernels"][name]
        lines.append(f"    {one(name)}: {{")
        lines.append(f'      "activation": {one(slot["activation"])},')
        lines.append('      "results": {')
        results = sorted(slot["results"])
        for j, key in enumerate(results):
            comma = "," if j < len(results) - 1 else ""
            lines.append(f"        {one(key)}: {one(slot['results'][key])}{comma}")
        lines.append("      }")
        lines.append("    }" + ("," if i < len(names) - 1 else ""))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def read_path() -> Path:
    """The record ``generate`` reads: the checkout's (``./generated/accuracy.json``,
    where ``verify --record`` writes) when there is one, else the one shipped with
    symact."""
    if PATH.is_file():
        return PATH
    from symact.emit.resources import generated_dir
    try:
        return generated_dir() / PATH.name
    except FileNotFoundError:
        return PATH


def load(path: Path | str | None = None) -> dict | None:
    """The record at ``path`` (default :func:`read_path`), or ``None`` when there is
    none; :class:`RecordError` when the file is not a readable record."""
    path = Path(path) if path is not None else read_path()
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(f"{path}: not a readable accuracy record ({err}); "
                          "rewrite it with `symact verify --record`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("kernels"), dict):
        raise RecordError(f"{path}: not an accuracy record of format {FORMAT}; "
                          "rewrite it with `symact verify --record`")
    return data


def write(record: dict, path: Path | str = PATH) -> Path:
    """Write ``record`` atomically (a temporary file renamed into place)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(dumps(record))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def result(record: dict | None, function: str, backend: str, dtype: str) -> dict | None:
    """The recorded result of ``function`` on ``backend``/``dtype``, or ``None``."""
    if not record:
        return None
    slot = record["kernels"].get(function)
    return (slot or {}).get("results", {}).get(f"{backend}/{dtype}")
