"""Shared test configuration: a hypothesis profile without deadlines.

Gradient checks run the per-example reference path, whose first call can be
slow on a loaded machine; examples are kept small instead of timed.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "npae",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("npae")
