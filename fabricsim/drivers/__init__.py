"""Simulated drivers; each owns its part of the sysfs/proc tree, its tools and its events."""

from __future__ import annotations


def build_drivers(fabric, scenario: dict) -> list:
    """Instantiate the drivers the scenario configures, in a fixed order."""
    from fabricsim.drivers.qlgc import QlgcDriver

    drivers = []
    if 'qlgc' in scenario:
        drivers.append(QlgcDriver(fabric, scenario['qlgc'] or {}))
    return drivers
