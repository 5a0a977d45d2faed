"""Building a run's query: the garbage collector is paused meanwhile and restored after."""

from __future__ import annotations

import gc

import pytest

from lingjun.rules.evaluation import gc_paused


def test_the_collector_is_paused_while_building_and_restored_even_after_an_error() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a bad parameter")
    assert gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
