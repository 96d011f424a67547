"""generated/CATALOGUE.md and its plots: every activation has its row, section and plots;
the index's properties are what `symact show --json` reports; the document and the SVG
plots are deterministic; the curves are the functions; generation works without a record."""

from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout

import pytest

from conftest import REPO
from symact.cli import main
from symact.define.catalogue import ENTRIES, get
from symact.emit import document, facts, figures
from symact.emit.generate import render_all
from symact.verify import record

CATALOGUE = REPO / "generated" / "CATALOGUE.md"
NAMES = [e.name for e in ENTRIES]


@pytest.fixture(scope="module")
def text() -> str:
    return CATALOGUE.read_text(encoding="utf-8")


def _index(text: str) -> dict:
    """{name: [cells]} of the index table, parsed from the markdown."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| \[(\w+)\]\(#\1\) \| (.*) \|$", line)
        if m:
            # the formula is the only cell with math; split the rest on the cell separators
            formula_end = m.group(2).index("`$ |") + 4
            rows[m.group(1)] = [c.strip() for c in m.group(2)[formula_end:].split(" | ")]
    return rows


def test_every_activation_has_its_row_section_and_plots(text):
    rows = _index(text)
    assert list(rows) == NAMES
    for name in NAMES:
        assert re.search(rf"^## {name}$", text, re.M), name
        for plot in (document.function_plot(name), document.accuracy_plot(name)):
            assert f"]({plot})" in text, plot
            assert (REPO / "generated" / plot).is_file(), plot
    assert len(re.findall(r"^## ", text, re.M)) == len(NAMES)


def _parse_range(cell: str):
    m = re.fullmatch(r"([\[(])(\S+), (\S+)([\])])", cell)
    assert m, cell
    def num(s):
        return {"∞": math.inf, "-∞": -math.inf}[s] if s in ("∞", "-∞") else float(s)
    return m.group(1) == "[", num(m.group(2)), num(m.group(3)), m.group(4) == "]"


def _close(a: float, b) -> bool:
    b = {"inf": math.inf, "-inf": -math.inf}.get(b, b)
    return a == b if math.isinf(a) or math.isinf(b) else math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_index_properties_equal_show_json(text, name):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["show", name, "--json"]) == 0
    props = json.loads(out.getvalue())["properties"]
    cells = _index(text)[name]
    keys = [k for k, _ in document.PROPERTIES]
    marks = {"P": "PROVED", "N": "NUMERIC", "U": "UNDECIDED", "D": "DISPROVED"}
    for key, cell in zip(keys, cells):
        if key not in props:
            assert cell == "—", (key, cell)
            continue
        m = re.fullmatch(r"(.*) \(([PNUD])\)", cell)
        assert m, (key, cell)
        value, status = m.groups()
        assert marks[status] == props["status"][key], (key, cell)
        want = props[key]
        if key == "range":
            lo_closed, lo, hi, hi_closed = _parse_range(value)
            assert (lo_closed, hi_closed) == (want["lower_closed"], want["upper_closed"])
            assert _close(lo, want["lower"]) and _close(hi, want["upper"]), (value, want)
        elif key == "continuity":
            got = {"C<sup>∞</sup>": "inf", "discontinuous": -1}.get(value)
            if got is None:
                got = int(re.fullmatch(r"C<sup>(\d+)</sup>", value).group(1))
            assert got == want, (value, want)
        else:
            assert value == ("yes" if want else "no"), (key, value, want)


def test_index_accuracy_is_the_record(text):
    rec = record.load(REPO / "generated" / "accuracy.json")
    cols = document.columns()
    rows = _index(text)
    for e in ENTRIES:
        cells = rows[e.name][len(document.PROPERTIES):]
        kernels = [k for k, v in rec["kernels"].items() if v["activation"] == e.name]
        for (b, d), cell in zip(cols, cells):
            worst = max(rec["kernels"][k]["results"][f"{b}/{d}"]["max_ulp"] for k in kernels)
            assert float(cell.strip("*")) == worst, (e.name, b, d, cell)


def test_svg_plots_are_well_formed_and_deterministic():
    for svg in sorted((REPO / "generated" / document.PLOTS).glob("*.svg")):
        body = svg.read_text(encoding="utf-8")
        root = ET.fromstring(body)
        assert root.tag.endswith("svg")
        lines = root.findall(".//{http://www.w3.org/2000/svg}polyline")
        assert lines, svg.name
        assert not re.search(r"20\d\d-\d\d-\d\d|<metadata", body), svg.name  # no dates, no metadata


def _on_curve(segments, f, tol=1e-12):
    for seg in segments:
        for x, y in seg:
            assert math.isclose(y, f(x), rel_tol=tol, abs_tol=tol), (x, y, f(x))


def test_curves_are_the_functions():
    relu = get("relu")
    f, d, _ = figures.plotted(get("gelu"))
    segs, dots = figures.curve(f)
    _on_curve(segs, lambda x: x * (1 + math.erf(x / math.sqrt(2))) / 2)
    assert not dots and len(segs) == 1 and segs[0][0][0] == -5 and segs[0][-1][0] == 5
    segs, _ = figures.curve(d)
    _on_curve(segs, lambda x: (1 + math.erf(x / math.sqrt(2))) / 2 + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi))
    # relu: a corner, drawn as two branches meeting at 0, no dot; its derivative jumps
    segs, dots = figures.curve(relu.instantiate({}))
    _on_curve(segs, lambda x: max(x, 0.0))
    assert not dots
    segs, dots = figures.curve(figures.plotted(relu)[1])
    assert dots == [(0.0, 0.0)]  # relu'(0) = 0 by convention
    # heaviside: a jump, a gap in the line and a dot at h0
    segs, dots = figures.curve(get("heaviside").instantiate({}))
    assert dots == [(0.0, 0.5)] and len(segs) == 2
    assert segs[0][-1] == (0.0, 0.0) and segs[1][0] == (0.0, 1.0)
    # a vector activation on the row (x, 0): softmax's first entry is sigmoid(x)
    f, d, what = figures.plotted(get("softmax"))
    segs, _ = figures.curve(f)
    _on_curve(segs, lambda x: 1 / (1 + math.exp(-x)))
    segs, _ = figures.curve(d)
    _on_curve(segs, lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2)
    assert what == "softmax(x, 0)[1]"


def _clear_memos():
    figures._MEMO.clear()
    facts._MEMO.clear()
    document._SHOWN.clear()


def test_document_renders_byte_identically_and_without_a_record(monkeypatch):
    chosen = [get(n) for n in ("relu", "elu", "heaviside", "softmax")]
    first = render_all(chosen)
    _clear_memos()
    assert render_all(chosen) == first
    assert {"CATALOGUE.md", "plots/elu.svg", "plots/elu_accuracy.svg"} <= set(first)
    # without a record: generation still works, says so, and draws no error plots
    monkeypatch.setattr(record, "load", lambda path=None: None)
    files = render_all(chosen)
    assert "Not recorded: run `symact verify --record`" in files["CATALOGUE.md"]
    assert not [n for n in files if n.endswith("_accuracy.svg")]
    assert "not recorded (symact verify --record)" in files["symact.h"]


def test_document_facts_come_from_the_pipeline(text):
    section = text[text.index("\n## elu\n"):text.index("\n## srelu\n")]
    # sympy.diff's derivatives, the kink convention, the stable forms, the special values
    assert r"\frac{\partial\, \operatorname{elu}}{\partial \alpha}" in section
    assert r"$`f'(0) = \alpha`$" in section
    assert "`Piecewise((x, x > 0), (alpha*expm1(x), True))`" in section
    assert "| `elu` | `nan` | `-alpha` | `inf` | `0` |" in section
    assert "elu_to_minus_alpha**: PROVED" in section
    sigmoid = text[text.index("\n## sigmoid\n"):text.index("\n## heaviside\n")]
    assert "| `sigmoid_grad` | `nan` | `0` | `0` | `1/4` |" in sigmoid
