"""Q4's survey answers as figures."""

from __future__ import annotations

from crm.domain.reporting import SatisfactionFigures, satisfaction_figures


def test_the_figures_count_each_score_and_average_them() -> None:  # Q4
    figures = satisfaction_figures([5, 4, 4, 1])
    assert figures == SatisfactionFigures(
        answers=4, average=3.5, scores={"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}
    )


def test_no_answer_has_no_average_and_a_score_out_of_range_is_not_counted() -> None:  # Q4
    assert satisfaction_figures([]).average is None
    assert satisfaction_figures([0, 6, 3]).answers == 1
