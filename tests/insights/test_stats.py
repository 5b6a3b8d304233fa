"""The impact page's statistics against published worked examples and fixed reference values."""

import math

import pytest

from insights import stats


def test_wilson_matches_newcombes_single_proportion_example():
    # Newcombe 1998, "Two-sided confidence intervals for the single proportion" (Statistics
    # in Medicine 17:857-872), Table I, 81/263, score method: 0.2553 to 0.3662.
    estimate = stats.wilson(81, 263)
    assert estimate.value == pytest.approx(81 / 263)
    assert estimate.interval.low == pytest.approx(0.2553, abs=5e-5)
    assert estimate.interval.high == pytest.approx(0.3662, abs=5e-5)


def test_wilson_of_none_and_all_reaches_the_bounds():
    assert stats.wilson(0, 10).interval.low == 0
    # The upper bound of 0/n has the closed form z² / (n + z²).
    assert stats.wilson(0, 10).interval.high == pytest.approx(stats.Z_95**2 / (10 + stats.Z_95**2))
    assert stats.wilson(10, 10).interval.high == 1
    assert stats.wilson(0, 0) is None


@pytest.mark.parametrize(
    "before, after, low, high",
    [
        # Newcombe 1998, "Interval estimation for the difference between independent
        # proportions" (Statistics in Medicine 17:873-890), Table II, method 10:
        # example (a) 56/70 − 48/80 → 0.0524 to 0.3339,
        ((48, 80), (56, 70), 0.0524, 0.3339),
        # example (b) 9/10 − 3/10 → 0.1705 to 0.8090.
        ((3, 10), (9, 10), 0.1705, 0.8090),
    ],
)
def test_newcombe_matches_the_papers_worked_examples(before, after, low, high):
    estimate = stats.newcombe(*before, *after)
    assert estimate.value == pytest.approx(after[0] / after[1] - before[0] / before[1])
    assert estimate.interval.low == pytest.approx(low, abs=5e-5)
    assert estimate.interval.high == pytest.approx(high, abs=5e-5)


def test_newcombe_with_no_successes_on_either_side_has_its_closed_form():
    # 0/10 − 0/20: from −(Wilson upper of 0/20) to +(Wilson upper of 0/10).
    estimate = stats.newcombe(0, 20, 0, 10)
    z2 = stats.Z_95**2
    assert estimate.interval.low == pytest.approx(-z2 / (20 + z2))
    assert estimate.interval.high == pytest.approx(z2 / (10 + z2))
    assert stats.newcombe(0, 0, 3, 4) is None


@pytest.mark.parametrize(
    "probability, df, expected",
    [
        # scipy.stats.t.ppf(probability, df), computed once with scipy 1.17.1.
        (0.975, 1, 12.706204736174694),
        (0.975, 2, 4.302652729749462),
        (0.975, 3.7, 2.8675207071911895),
        (0.975, 10, 2.228138851986274),
        (0.975, 29.5, 2.043724966772122),
        (0.975, 120, 1.9799304050824402),
        (0.99, 5, 3.3649299989072174),
        (0.6, 7, 0.2631668613520229),
    ],
)
def test_t_quantile_matches_scipy(probability, df, expected):
    assert stats.t_quantile(probability, df) == pytest.approx(expected, rel=1e-9)
    assert stats.t_quantile(1 - probability, df) == pytest.approx(-expected, rel=1e-9)


def test_welch_matches_scipy():
    before = [12.1, 14.3, 9.8, 11.0, 15.2, 13.7, 10.4]
    after = [16.0, 18.2, 11.9, 21.4, 17.7, 15.3, 19.8, 22.1, 14.6, 20.0]
    # scipy.stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95),
    # computed once with scipy 1.17.1 (df = 14.9415).
    estimate = stats.welch(before, after)
    assert estimate.value == pytest.approx(sum(after) / 10 - sum(before) / 7)
    assert estimate.interval.low == pytest.approx(2.585832241170419, rel=1e-9)
    assert estimate.interval.high == pytest.approx(8.099882044543861, rel=1e-9)


def test_welch_needs_two_values_a_side_and_is_exact_without_spread():
    assert stats.welch([1.0], [2.0, 3.0]) is None
    flat = stats.welch([3.0, 3.0, 3.0], [5.0, 5.0])
    assert (flat.value, flat.interval.low, flat.interval.high) == (2.0, 2.0, 2.0)
    assert not flat.interval.contains_zero()


def test_incomplete_beta_has_its_known_values():
    # I_x(1, 1) = x and I_x(a, b) = 1 − I_{1−x}(b, a).
    assert stats.regularized_incomplete_beta(1, 1, 0.3) == pytest.approx(0.3)
    assert stats.regularized_incomplete_beta(2.5, 0.5, 0.8) == pytest.approx(
        1 - stats.regularized_incomplete_beta(0.5, 2.5, 0.2)
    )
    assert math.isclose(stats.t_cdf(0, 4), 0.5)


@pytest.mark.parametrize(
    "count, ranks",
    [
        # Campbell and Gardner, "Calculating confidence intervals for some non-parametric
        # analyses" (BMJ 296:1454-1456, 1988), Table I, 95 % interval of a median.
        (6, (1, 6)),
        (10, (2, 9)),
        (20, (6, 15)),
        (30, (10, 21)),
        (50, (18, 33)),
        (100, (40, 61)),
    ],
)
def test_median_ranks_match_the_published_table(count, ranks):
    assert stats.median_ranks(count) == ranks


def test_median_ranks_are_the_binomials_and_none_below_six():
    assert stats.median_ranks(5) is None
    # The tail under the lower rank, summed term by term, is at most 2.5 %; one more is not.
    low, high = stats.median_ranks(1001)
    below = sum(math.comb(1001, k) for k in range(low)) / 2**1001
    assert below <= 0.025 < below + math.comb(1001, low) / 2**1001
    assert high == 1001 + 1 - low
    # A million values: the tail starts 4√n below the centre, fast and still exact there.
    low, high = stats.median_ranks(1_000_000)
    assert (low, high) == (499_020, 500_981)


def test_the_median_of_a_histogram_with_its_interval():
    histogram = [(100.0, 3), (200.0, 4), (300.0, 3)]  # 10 values: ranks 2 and 9
    estimate = stats.median(histogram)
    assert estimate.value == 200.0  # the 5th, the lower middle one
    assert (estimate.interval.low, estimate.interval.high) == (100.0, 300.0)
    assert stats.order_statistic(histogram, 8) == 300.0
    assert stats.median([(1.0, 5)]) is None


def test_mover_is_newcombes_interval_for_two_wilson_intervals():
    after, before = stats.wilson(56, 70), stats.wilson(48, 80)
    assert stats.mover(after, before) == stats.newcombe(48, 80, 56, 70)
