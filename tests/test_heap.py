"""crosscheck.heap: phases freeze their long-lived data and always hand it back."""

from __future__ import annotations

import gc

import pytest

from crosscheck.heap import frozen_heap


def test_frozen_heap_freezes_inside_and_unfreezes_after():
    gc.unfreeze()
    kept = [object() for _ in range(10)]
    with frozen_heap() as keep:
        inside = gc.get_freeze_count()
        assert inside > 0
        more = [[] for _ in range(1000)]
        keep()
        assert gc.get_freeze_count() >= inside + len(more)
    assert gc.get_freeze_count() == 0
    assert kept and more


def test_frozen_heap_unfreezes_when_the_block_fails():
    gc.unfreeze()
    with pytest.raises(RuntimeError):
        with frozen_heap():
            raise RuntimeError("a phase failed")
    assert gc.get_freeze_count() == 0


def test_a_run_leaves_nothing_frozen(tmp_path):
    """The web app and ``watch`` run the pipeline again and again in one process."""
    from crosscheck.core import run

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "Harbor talks resume\n\nOn Tuesday, March 14, 2023, Valdoria and Kestrel met in Aldermere "
        "to discuss joint patrols, the Harbor Herald reported.\n", encoding="utf-8")
    gc.unfreeze()
    storyline = run([tmp_path / "in"], db_url=f"sqlite:///{tmp_path}/x.db", out=tmp_path / "out")
    assert storyline.articles and gc.get_freeze_count() == 0


def test_release_frees_a_finished_phase_and_trims_on_glibc():
    import weakref

    from crosscheck import heap

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: reference counting alone never frees it
    gone = weakref.ref(a)
    del a, b
    trimmed = heap.release()
    assert gone() is None
    assert trimmed is (heap._TRIM is not None)
    import platform

    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert trimmed  # CI and these machines: the pages really go back
