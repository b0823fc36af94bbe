"""Outputs send what Wekinator would: limits, integers, class labels."""

from __future__ import annotations

import math

import pytest

from mapper.core.outputs import Output, make_outputs


def test_soft_limits_let_values_through_and_hard_limits_clamp():
    assert Output("soft").shape(1.7) == 1.7
    assert Output("hard", hard_limits=True).shape(1.7) == 1.0
    assert Output("hard", hard_limits=True).shape(-3.0) == 0.0


def test_integer_outputs_truncate_toward_zero():
    o = Output("steps", min=-10, max=10, integer=True)
    assert (o.shape(2.9), o.shape(-2.9)) == (2.0, -2.0)


def test_classifier_labels_are_whole_classes_within_range():
    o = Output("pose", kind="classifier", classes=3)
    assert [o.shape(v) for v in (1.2, 2.6, 9.0, -1.0, math.nan)] == [1.0, 3.0, 3.0, 0.0, 0.0]
    assert o.check_value(4.0) is not None and o.check_value(2.0) is None


def test_bad_definitions_are_refused():
    with pytest.raises(ValueError, match="min"):
        Output("x", min=1.0, max=0.0)
    with pytest.raises(ValueError, match="kind"):
        Output("x", kind="regression")  # type: ignore[arg-type]


def test_new_outputs_are_named_like_wekinators_and_get_default_models():
    outs = make_outputs(2, "classifier", classes=4)
    assert [o.name for o in outs] == ["outputs-1", "outputs-2"]
    assert outs[0].model == {"type": "knn", "k": 1} and outs[0].classes == 4
    assert make_outputs(1)[0].model == {"type": "mlp"}
