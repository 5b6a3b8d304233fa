"""Hypothesis settings shared by the property tests that write to the database."""

from hypothesis import HealthCheck, settings

# Each example writes through the real write path inside the test's one transaction (a
# function-scoped fixture, which Hypothesis warns about), and takes longer than its deadline.
ON_THE_DATABASE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
