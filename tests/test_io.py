"""Atomic writes: a file is whole or absent, and Ctrl-C at any point leaves no temporary."""

from __future__ import annotations

from pathlib import Path

import pytest

from vendorsim.io import write_atomic


def test_a_write_lands_whole_and_leaves_nothing_else(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.txt", lambda p: p.write_text("whole"))
    assert (tmp_path / "a.txt").read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("when", ["before the file exists", "half-way through"])
def test_ctrl_c_during_a_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, when: str
) -> None:
    (tmp_path / "a.txt").write_text("old")

    def interrupted(p: Path) -> None:
        if when == "half-way through":
            p.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.txt", interrupted)
    assert (tmp_path / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_the_temporary_is_named_before_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A temporary made by mkstemp existed before its name reached the cleanup: Ctrl-C just
    # then (here, as mkstemp's descriptor is closed) left a stray .tmp behind.
    import os

    def ctrl_c(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "close", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "a.txt", lambda p: (p.write_text("x"), os.close(-1)))
    assert list(tmp_path.iterdir()) == []
