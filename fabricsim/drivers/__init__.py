"""Simulated drivers; each owns its part of the sysfs/proc tree, its tools and its events."""

from __future__ import annotations


def build_drivers(fabric, scenario: dict) -> None:
    """Instantiate the drivers the scenario configures, in dependency order, into fabric.drivers."""
    from fabricsim.drivers.block import BlockDriver
    from fabricsim.drivers.dcb import DcbDriver
    from fabricsim.drivers.fcoe import FcoeDriver
    from fabricsim.drivers.guests import GuestsDriver
    from fabricsim.drivers.mlx4 import Mlx4Driver
    from fabricsim.drivers.netdevs import Netdevs
    from fabricsim.drivers.processes import Processes
    from fabricsim.drivers.qlgc import QlgcDriver
    from fabricsim.drivers.scsi import ScsiDriver

    def add(driver) -> None:
        fabric.drivers[driver.name] = driver

    add(Netdevs(fabric, (scenario.get('netns') or {}).get('links', [])))
    add(Processes(fabric, scenario.get('processes', [])))
    if 'scsi' in scenario or 'fcoe' in scenario:
        # First: its hosts get the low numbers. FCoE hosts are SCSI hosts, so fcoe brings the mid layer.
        add(ScsiDriver(fabric, scenario.get('scsi') or {}))
        add(BlockDriver(fabric, scenario.get('block') or {}))  # the stacks above its disks
    if 'qlgc' in scenario:
        add(QlgcDriver(fabric, scenario['qlgc'] or {}))
    if 'fcoe' in scenario:
        add(FcoeDriver(fabric, scenario['fcoe'] or {}))
    if 'dcb' in scenario:
        add(DcbDriver(fabric, scenario['dcb'] or {}))
    if 'mlx4_vnic' in scenario:
        add(Mlx4Driver(fabric, scenario['mlx4_vnic'] or {}))
    if 'guests' in scenario:
        add(GuestsDriver(fabric, scenario['guests'] or {}, fabric.root_dir))  # after mlx4: guests transmit
