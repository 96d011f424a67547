"""The accuracy record (symact verify --record), the error profiles it keeps, and the
progress of the oracle fill."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from symact.cli import main
from symact.define.catalogue import ENTRIES
from symact.verify import prefetch, profile, record
from symact.verify.kernels import all_kernels
from symact.verify.metric import NONFINITE


def test_profile_axis():
    f64, f32 = np.float64, np.float32
    assert profile.position(0.0, f64) == 0.0
    assert profile.position(40.0, f64) == 1.0 and profile.position(-20.0, f32) == -0.5
    assert profile.position(np.finfo(f64).max, f64) == pytest.approx(2.0)
    assert profile.position(-np.finfo(f32).max, f32) == pytest.approx(-2.0)
    span = math.log10(1 + math.log10(np.finfo(f64).max / 40))
    assert profile.position(1e100, f64) == pytest.approx(1 + math.log10(1 + math.log10(1e100 / 40)) / span)
    assert profile.position(-709.78, f64) == pytest.approx(-1 - math.log10(1 + math.log10(709.78 / 40)) / span)
    e = profile.edges()
    assert len(e) == profile.NBINS + 1 and e[0] == -2.0 and e[-1] == 2.0 and np.all(np.diff(e) > 0)
    for p in (-1.7, -0.3, 0.0, 0.9, 1.5):
        assert profile.position(profile.x_at(p, f64), f64) == pytest.approx(p)


def test_profile_keeps_the_max_per_bin_and_the_nonfinite():
    p = profile.Profile()
    p.add([0.5, 0.6, -39.0, 1.7e308], [0.25, 0.75, 2.0, NONFINITE], np.float64)
    values = p.values()
    mid = profile.TAIL_BINS + profile.CORE_BINS // 2  # the bin [0, 2)
    assert values[mid] == 0.75
    assert values[profile.TAIL_BINS] == 2.0  # [-40, -38)
    assert values[-1] == "nonfinite"
    assert sum(v is not None for v in values) == 3


@pytest.fixture(scope="module")
def relu_report():
    from symact import verify
    return verify.run(ENTRIES, ["relu"], backends=("numpy",), dtypes=("float64",), progress=None)


def test_record_round_trip_and_merge(relu_report, tmp_path):
    rec = record.from_report(relu_report)
    assert set(rec["kernels"]) == {"relu", "relu_grad"}
    m = relu_report.measurements[0]
    r = rec["kernels"]["relu"]["results"]["numpy/float64"]
    assert r["max_ulp"] == float(f"{m.max_ulp:.3g}") and r["ok"] == m.ok
    assert len(r["profile"]) == profile.NBINS
    path = record.write(rec, tmp_path / "accuracy.json")
    assert record.load(path) == json.loads(record.dumps(rec))
    assert path.read_text() == record.dumps(record.load(path))  # deterministic text
    # merging keeps what was not measured again
    other = {"kernels": {"gelu": {"activation": "gelu", "results": {"c/float32": r}}}}
    merged = record.from_report(relu_report, other)
    assert set(merged["kernels"]) == {"relu", "relu_grad", "gelu"}
    assert record.result(merged, "gelu", "c", "float32") == r


def test_bad_record_is_refused(tmp_path):
    bad = tmp_path / "accuracy.json"
    bad.write_text("{not json")
    with pytest.raises(record.RecordError, match="verify --record"):
        record.load(bad)
    bad.write_text('{"format": 99, "kernels": {}}')
    with pytest.raises(record.RecordError):
        record.load(bad)
    assert record.load(tmp_path / "absent.json") is None


def test_cli_record(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "relu", "--backend", "numpy", "--dtype", "float32", "--record", "--quiet"]) == 2
    assert "no ./generated" in capsys.readouterr().err
    (tmp_path / "generated").mkdir()
    assert main(["verify", "relu", "--backend", "numpy", "--dtype", "float32", "--record", "--quiet"]) == 0
    rec = record.load(tmp_path / "generated" / "accuracy.json")
    assert sorted(rec["kernels"]) == ["relu", "relu_grad"]
    assert list(rec["kernels"]["relu"]["results"]) == ["numpy/float32"]
    assert "run `symact generate`" in capsys.readouterr().err
    (tmp_path / "generated" / "accuracy.json").write_text("garbage")
    assert main(["verify", "relu", "--record"]) == 2


def test_progress_line():
    assert prefetch.progress_line(0, 40, 0.0) == "verify: oracle cache: 0/40 tables (0%), 0 s elapsed"
    assert prefetch.progress_line(10, 40, 30.0) == \
        "verify: oracle cache: 10/40 tables (25%), 30 s elapsed, about 1 min 30 s left"
    assert prefetch.progress_line(40, 40, 125.4).endswith("(100%), 2 min 05 s elapsed")


def test_prefetch_reports_progress(tmp_path, monkeypatch):
    from symact.verify import cache
    monkeypatch.setenv("SYMACT_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    said = []
    assert prefetch.prefetch(all_kernels(ENTRIES, ["relu"]), ("float32",), workers=2, progress=said.append) == 2
    assert said[0] == "verify: oracle cache: 0/2 tables (0%), 0 s elapsed"
    assert said[-1].startswith("verify: oracle cache: 2/2 tables (100%)")
    said.clear()
    assert prefetch.prefetch(all_kernels(ENTRIES, ["relu"]), ("float32",), workers=2, progress=said.append) == 0
    assert said == []  # warm: nothing to fill, nothing said
    cache.clear_memory()


def test_the_committed_record_measured_the_committed_code():
    """generated/accuracy.json was recorded on the kernels generated/ holds now: after a
    change to the generated code, run `symact verify --record && symact generate`."""
    from conftest import REPO
    rec = record.load(REPO / "generated" / "accuracy.json")
    assert set(rec["measured_sources"]) == set(record.MEASURED)
    for backend, info in rec["measured_sources"].items():
        now = record.body_digest(REPO / "generated" / info["file"])
        assert info["sha256"] == now, (
            f"generated/{info['file']} changed since its accuracy was recorded: "
            "run `symact verify --record && symact generate`")


def test_body_digest_ignores_the_generated_header(tmp_path):
    a, b = tmp_path / "a.c", tmp_path / "b.c"
    a.write_text("/*\n * Generated by symact. DO NOT EDIT.\n * Inputs sha256: 1\n */\nint f;\n")
    b.write_text("/*\n * Generated by symact. DO NOT EDIT.\n * Inputs sha256: 2\n */\nint f;\n")
    assert record.body_digest(a) == record.body_digest(b)
    b.write_text("/*\n * Generated by symact. DO NOT EDIT.\n * Inputs sha256: 2\n */\nint g;\n")
    assert record.body_digest(a) != record.body_digest(b)
    assert record.body_digest(tmp_path / "absent.c") is None
