"""symact generate --check outside a checkout: a clear message and exit 2, not a diff."""

from __future__ import annotations

from symact.cli import main


def test_check_outside_a_checkout(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--check"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert "./generated: no such directory" in out.err and "checkout" in out.err
    assert main(["generate", "--check", "--out", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written
