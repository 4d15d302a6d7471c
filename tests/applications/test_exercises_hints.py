"""Every hint an exercise declares fires on a case the grader actually draws,
for the students' seed and for any instructor's seed; the shapes an
instructor's seed draws keep the cases' single-sample and square patterns."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npae.exercises import EXERCISES, get_exercise
from npae.exercises._shapes import draw_shapes
from npae.exercises.grader import TOL_REFERENCE, _recognise, _rel, draw_cases

PARTS = [(name, i) for name in EXERCISES for i in range(len(get_exercise(name).PARTS))]


def mistaken(h, r):
    """What a student making mistake ``h`` returns for the output whose reference is ``r``."""
    if h.alt is not None:
        return np.asarray(h.alt, dtype=np.float64)
    if h.factor is not None:
        return h.factor * r
    return None  # the mistake cannot be made on this case (e.g. it needs a square matrix)


def fired_hints(part, cases):
    """Indices of the part's hints that the grader names on the first case where the
    mistake shows (the grader stops a part at its first failing case)."""
    fired, n_hints = set(), len(part.hints(cases[0]))
    for k in range(n_hints):
        for case in cases:
            hints = part.hints(case)
            assert len(hints) == n_hints, "a part declares the same hints on every case"
            h = hints[k]
            ref = [np.asarray(o, dtype=np.float64) for o in part.reference(*case.args)]
            r = ref[part.outputs.index(h.output)]
            s = mistaken(h, r)
            if s is None or (s.shape == r.shape and _rel(s, r) < TOL_REFERENCE):
                continue  # invisible on this case: a later case must show it
            message = _recognise(h.output, s, r, hints)
            assert message is not None and h.message in message, (part.func, k, message)
            fired.add(k)
            break
    return fired, n_hints


def check_every_hint_fires(name, index, seed):
    part = get_exercise(name).PARTS[index]
    if part.hints is None:
        return
    cases = draw_cases(get_exercise(name).PARTS, seed)[index]
    fired, n_hints = fired_hints(part, cases)
    never = set(range(n_hints)) - fired
    assert not never, f"{name}.{part.func}: hints {sorted(never)} never fire"


@pytest.mark.parametrize("name, index", PARTS)
def test_every_hint_fires_on_the_students_cases(name, index):
    check_every_hint_fires(name, index, seed=0)


@pytest.mark.parametrize("name, index", PARTS)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(1, 2 ** 32 - 1))
def test_every_hint_fires_on_an_instructors_cases(name, index, seed):
    check_every_hint_fires(name, index, seed)


@pytest.mark.parametrize("low, high", [(2, 9), (2, 4)])  # the default, a kernel's
@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_drawn_shapes_keep_their_pattern(seed, low, high):
    patterns = [(5, 5, 5), (4, 3, 7), (1, 7, 2), (6, 4, 4), (7,)]
    rng = np.random.default_rng(seed)
    shapes = draw_shapes(rng, patterns) if (low, high) == (2, 9) else \
        draw_shapes(rng, patterns, low, high)
    for pattern, shape in zip(patterns, shapes):
        assert len(shape) == len(pattern)
        for a, x in zip(pattern, shape):
            assert (x == 1) == (a == 1) and (a == 1 or low <= x <= high)
        for j in range(len(pattern)):
            for k in range(len(pattern)):
                assert (shape[j] == shape[k]) == (pattern[j] == pattern[k])


def test_more_distinct_sizes_than_the_range_holds_is_an_error():
    with pytest.raises(ValueError, match="more distinct sizes than 2..4"):
        draw_shapes(np.random.default_rng(0), [(2, 3, 4, 5)], 2, 4)


def test_an_instructors_seed_draws_other_shapes():
    exercise = get_exercise("dense_backward")
    labels = {seed: [c.label for c in draw_cases(exercise.PARTS, seed)[0]] for seed in range(6)}
    assert len({tuple(v) for v in labels.values()}) > 1
    for v in labels.values():
        n, i, o = map(int, v[0].split("=")[1].split(","))
        assert n == i == o  # the square case stays square
