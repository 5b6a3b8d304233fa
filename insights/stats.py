"""The statistics of the impact of a change: 95 % intervals, pure Python, no database.

- `wilson`: the Wilson score interval of one proportion (satisfaction of a version).
- `newcombe`: the difference of two independent proportions, p_after − p_before, with
  Newcombe's hybrid score interval (method 10 of R. G. Newcombe, "Interval estimation for the
  difference between independent proportions: comparison of eleven methods", Statistics in
  Medicine 17, 1998), built from each side's Wilson interval.
- `mover`: the difference of two estimates, each with its own interval, with the interval
  recovered from theirs (the "method of variance estimates recovery" of G. Y. Zou and A.
  Donner, "Construction of confidence limits about effect measures: a general approach",
  Statistics in Medicine 27, 2008); Newcombe's interval is its case of two Wilson intervals.
- `median`: the median of a histogram with its distribution-free 95 % interval, the order
  statistics whose ranks the binomial distribution gives (as tabled by M. J. Campbell and
  M. J. Gardner, "Calculating confidence intervals for some non-parametric analyses", BMJ
  296, 1988).
- `welch`: the difference of two means, mean_after − mean_before, with Welch's t interval
  (unequal variances, Welch–Satterthwaite degrees of freedom); used over days.
- `t_quantile`: Student's t quantile, from the regularised incomplete beta function (a
  continued fraction, as in Numerical Recipes §6.4) inverted by a safeguarded Newton's
  method.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

CONFIDENCE = 0.95
# The standard normal quantile of 0.975.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def contains_zero(self) -> bool:
        return self.low <= 0 <= self.high


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % interval."""

    value: float
    interval: Interval


def wilson(successes: int, trials: int, *, z: float = Z_95) -> Estimate | None:
    """The proportion successes / trials with its Wilson score interval; None without trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # Without rounding noise, the interval of 0/n starts at 0 and that of n/n ends at 1.
    low = 0.0 if successes == 0 else centre - half
    high = 1.0 if successes == trials else centre + half
    return Estimate(p, Interval(low, high))


def newcombe(
    successes_before: int, trials_before: int, successes_after: int, trials_after: int
) -> Estimate | None:
    """p_after − p_before with Newcombe's hybrid score interval; None when a side has no
    trials."""
    before = wilson(successes_before, trials_before)
    after = wilson(successes_after, trials_after)
    if before is None or after is None:
        return None
    return mover(after, before)


def mover(after: Estimate, before: Estimate) -> Estimate:
    """after − before, its interval recovered from the two sides' own intervals (MOVER)."""
    p1, l1, u1 = after.value, after.interval.low, after.interval.high
    p2, l2, u2 = before.value, before.interval.low, before.interval.high
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Estimate(difference, Interval(low, high))


# A histogram: (value, how many values have it), by increasing value.
Histogram = Sequence[tuple[float, int]]


def order_statistic(histogram: Histogram, rank: int) -> float:
    """The rank-th smallest value (1-based) of the values a histogram counts."""
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    raise ValueError(f"rank {rank} of {seen} values")


def median_ranks(count: int, *, confidence: float = CONFIDENCE) -> tuple[int, int] | None:
    """The ranks (l, u) of the order statistics that hold the median of `count` values with
    at least `confidence`, whatever their distribution: the largest l with P(B < l) at most
    half the rest, B ~ Binomial(count, ½), and u = count + 1 − l. None below 6 values, where
    even the smallest and the largest hold it less often.

    The binomial's tail is summed from 4√n below its centre (the mass under that is below
    1e-13), so a million values cost a few thousand terms."""
    tail = (1 - confidence) / 2
    log_half = count * math.log(0.5)
    log_count = math.lgamma(count + 1)
    below = 0.0
    for k in range(max(0, math.floor(count / 2 - 4 * math.sqrt(count))), count + 1):
        below += math.exp(log_count - math.lgamma(k + 1) - math.lgamma(count - k + 1) + log_half)
        if below > tail:
            return (k, count + 1 - k) if k >= 1 else None
    return None


def median(histogram: Histogram) -> Estimate | None:
    """The median (nearest rank: the lower middle value of an even count) with its
    distribution-free 95 % interval; None with fewer than 6 values."""
    count = sum(n for _, n in histogram)
    ranks = median_ranks(count)
    if ranks is None:
        return None
    middle = order_statistic(histogram, max(1, math.ceil(count / 2)))
    low, high = (order_statistic(histogram, rank) for rank in ranks)
    return Estimate(middle, Interval(low, high))


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def variance(values: Sequence[float]) -> float:
    """The sample variance (n − 1 in the denominator)."""
    centre = mean(values)
    return sum((value - centre) ** 2 for value in values) / (len(values) - 1)


def welch(before: Sequence[float], after: Sequence[float]) -> Estimate | None:
    """mean(after) − mean(before) with Welch's 95 % t interval; None when a side has fewer
    than two values (no variance to estimate)."""
    if len(before) < 2 or len(after) < 2:
        return None
    difference = mean(after) - mean(before)
    a = variance(after) / len(after)
    b = variance(before) / len(before)
    se = math.sqrt(a + b)
    if se == 0:
        # Every day alike on both sides: the difference is known exactly.
        return Estimate(difference, Interval(difference, difference))
    df = (a + b) ** 2 / (a * a / (len(after) - 1) + b * b / (len(before) - 1))
    half = t_quantile(1 - (1 - CONFIDENCE) / 2, df) * se
    return Estimate(difference, Interval(difference - half, difference + half))


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        result *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        result *= step
        if abs(step - 1) < 1e-15:
            break
    return result


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The continued fraction converges fast for x below (a + 1) / (a + b + 2); use the
    # symmetry I_x(a, b) = 1 − I_{1−x}(b, a) above it.
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole)."""
    tail = 0.5 * regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_pdf(t: float, df: float) -> float:
    """The density of Student's t with `df` degrees of freedom."""
    log_density = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def t_quantile(probability: float, df: float) -> float:
    """The t with P(T ≤ t) = probability (to ~1e-12): Newton's method on the CDF from the
    normal quantile, kept inside a bracket that halves whenever a step would leave it, so it
    converges for any df; a handful of CDF evaluations (a page computes several)."""
    if not 0 < probability < 1 or df <= 0:
        raise ValueError(f"no t quantile for p={probability}, df={df}")
    if probability < 0.5:
        return -t_quantile(1 - probability, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < probability:
        low, high = high, high * 2
    t = min(max(NormalDist().inv_cdf(probability), low), high)
    for _ in range(200):
        error = t_cdf(t, df) - probability
        if error < 0:
            low = t
        else:
            high = t
        step = error / t_pdf(t, df)
        following = t - step
        if not low < following < high:
            following = (low + high) / 2
        if abs(following - t) < 1e-12 * max(1.0, abs(t)) or high - low < 1e-12 * max(1.0, high):
            return following
        t = following
    return t
