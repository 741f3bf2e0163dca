"""The shared measures of the query verbs and the site: periods, co-occurrence, growth, rarity."""

import math

import pytest

from kg.graph.measures import (
    association,
    co_occurrence_rank,
    filled,
    growth,
    period_of,
    period_range,
    rarity,
    windows,
)


def test_period_of_reads_dates_and_years():
    assert period_of("2024-05-03", 2024, "year") == "2024"
    assert period_of("2024-05-03", 2024, "month") == "2024-05"
    assert period_of(None, 2023, "month") is None
    assert period_of(None, 2023, "year") == "2023"
    assert period_of(None, None) is None
    with pytest.raises(ValueError):
        period_of("2024", None, "week")


def test_empty_periods_are_zero_not_missing():
    assert period_range("2023-11", "2024-02", "month") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert filled({"2020": 2, "2023": 1}) == [("2020", 2), ("2021", 0), ("2022", 0), ("2023", 1)]


def test_association_orders_by_strength_not_raw_counts_and_ignores_corpus_size():
    assert association(10, 10, 10) == pytest.approx(1.0)
    assert association(0, 10, 10) == 0.0
    assert association(2, 4, 100) == pytest.approx(0.1)
    # a frequent partner shares more papers but is less specific than a rare one
    ranked = co_occurrence_rank({"common": 8, "rare": 3, "once": 1}, 10, {"common": 80, "rare": 3, "once": 1})
    assert [row[0] for row in ranked] == ["rare", "common"]


def test_growth_is_robust_to_small_counts():
    assert growth(1, 0) < growth(10, 0)
    assert growth(1, 0) < growth(20, 10)
    assert growth(5, 5) == 0.0
    assert windows([("2021", 1), ("2022", 2), ("2023", 5), ("2024", 7)], 2) == (12, 3)


def test_rarity_weighs_specific_entities_more():
    assert rarity(1, 10_000) > rarity(100, 10_000) > rarity(10_000, 10_000) == pytest.approx(math.log(2))


def test_rising_ranks_by_smoothed_growth_with_support():
    from kg.graph.measures import rising_rank

    series = {
        "steady": [("2022", 10), ("2023", 10), ("2024", 10), ("2025", 10)],
        "new-hot": [("2022", 0), ("2023", 0), ("2024", 4), ("2025", 8)],
        "one-off": [("2022", 0), ("2023", 0), ("2024", 0), ("2025", 1)],
    }
    ranked = rising_rank(series, window=2)
    assert [row[0] for row in ranked] == ["new-hot", "steady"]
    assert ranked[0][2:] == (12, 0)
