"""The candidate table's status rules: the first problem of a row wins; problems are joined by name."""

import numpy as np

from electroscreen.data.candidates import OK, join_statuses, merge_status


def test_the_first_problem_wins_and_taken_marks_new_problems():
    before = np.array([OK, "bad_formula", OK, OK], dtype=object)
    merged, taken = merge_status(before, np.array(["no_carrier", "no_carrier", OK, "x"]))
    assert merged.tolist() == ["no_carrier", "bad_formula", OK, "x"]
    assert taken.tolist() == [True, False, False, True]
    assert before.tolist() == [OK, "bad_formula", OK, OK]  # input untouched


def test_one_code_applies_only_where_asked():
    merged, taken = merge_status([OK, OK, "bad"], "too_many_sites", np.array([True, False, True]))
    assert merged.tolist() == ["too_many_sites", OK, "bad"]
    assert taken.tolist() == [True, False, False]
    empty, none = merge_status([], "x")
    assert empty.shape == (0,) and not none.any()


def test_join_statuses_names_each_step_in_order():
    joined = join_statuses({"magpie": [OK, "empty", OK], "bvse": [OK, "no_structure", "x"]}, 3)
    assert joined.tolist() == [OK, "magpie:empty,bvse:no_structure", "bvse:x"]
    assert join_statuses({}, 2).tolist() == [OK, OK]
