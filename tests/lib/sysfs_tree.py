"""Small sysfs trees built under a tmp sysroot, laid out as the kernel lays them out, for unit tests that
read the host through the engine's own readers."""

import os


def fcoe_host(root, host: str, ctlr: str, netdev: str, enabled: str = '1') -> None:
    """/sys/class/fc_host/<host> -> the device under /sys/bus/fcoe/devices/<ctlr>, as the kernel links them."""
    device = root / 'sys/devices/virtual/net' / netdev / ctlr / host / 'fc_host' / host
    device.mkdir(parents=True)
    (device / 'symbolic_name').write_text('fcoe v0.1 over %s\n' % netdev)
    (device / 'port_state').write_text('Online\n')
    ctlr_dir = root / 'sys/bus/fcoe/devices' / ctlr
    ctlr_dir.mkdir(parents=True, exist_ok=True)
    (ctlr_dir / 'enabled').write_text(enabled + '\n')
    (ctlr_dir / 'mode').write_text('Fabric\n')
    (root / 'sys/class/fc_host').mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(device, root / 'sys/class/fc_host'), root / 'sys/class/fc_host' / host)
