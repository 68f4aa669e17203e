#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: eoib_gc
short_description: Remove the EoIB child MACs of guests that are gone, never those of a live guest
version_added: 0.1.0
description:
  - Does the job of the garbage collector of Mellanox's C(mlx4_vnicd), declaratively and safely.
  - When a guest sends through a promiscuous EoIB vNic (a bridge port, or the lower device of a macvtap),
    C(mlx4_vnic) logs the guest's MAC in as a I(child) of that vNic. The kernel never ages these out; a
    child MAC whose guest has stopped or migrated must be removed by writing C(-<mac>) to the parent's
    C(/sys/module/mlx4_vnic/vnic<N>-child).
  - A child MAC under parent P is I(stale) when it is the MAC of no guest NIC currently attached to P's
    L2 domain, across all guests and all sources, and not the MAC of any local link. mlx4_vnicd 1.2.2310
    stopped at the first guest it found on a bridge and so destroyed the MACs of the other guests on it;
    this module takes the union of every guest on every source.
  - P's L2 domain is resolved from rtnetlink. It holds the bridges P, its bond or team, or their VLAN
    sub-interfaces are ports of, bridges joined to those by veth pairs (patch links), and the macvtaps,
    macvlans and ipvlans on any of them.
  - Absence is proven, not assumed. Every port of that domain is either the host's own (P's path, bridges,
    sub-interfaces, patch links, macvlans, macvtaps) or a port where something the host does not own sends
    (a tap, a veth whose far end is in no bridge or in another network namespace, a physical link, a
    tunnel). Each port of the second kind must be named by a guest source (libvirt by its target device or
    by the MAC libvirt gives its tap, xenstore by its vif name). If one is not, nothing is removed under P,
    and C(pending) names the port. Other parents are collected as usual.
  - The MACs of local links (P itself, bridges including the persistent MAC systemd gives them, bonds,
    VLANs, macvlans, every link in the namespace, and every link in the network namespaces named under
    C(<sysroot>/run/netns)) are never collected.
  - It fails closed. When a guest source cannot be read, or reads only in part (libvirt unreachable, one
    domain's XML unreadable, a xenstore error), nothing under the affected parents is removed. C(pending)
    and C(kept) say why, and the grace records stay as they were.
  - A stale MAC is removed only after its I(grace) is over, tracked in the state store under
    C(/var/lib/iofabric), so that a migration window or a guest reboot does not lose it.
  - Removal is confirmed by polling the C(vnic-*-cmd) files, because the kernel accepts every child write.
    A removal not confirmed within I(confirm_timeout) is reported in C(unconfirmed) and retried on the
    next run.
  - Two collectors never run at once. Runs of this module and of the reconciler hold the host's iofabric lock,
    and this module removes nothing while an C(mlx4_vnicd) with its collector on is running, or is
    configured in C(/etc/infiniband/mlx4_vnic.conf) to collect. Use I(vendor_daemon) to turn that
    collector off (or to keep it, in which case this module only reports).
author:
  - iofabric.core maintainers (@iofabric)
requirements:
  - pyroute2 (bridges, bonds and macvtaps over rtnetlink)
  - jsonschema (the state store)
  - libvirt-python, or else C(virsh) under I(sysroot), to read libvirt guests. C(virsh) is asked for the UUIDs
    of the active domains and reads each domain by UUID. Names are never split or looked up, so names with
    spaces and digits-only names (which C(virsh) would take for ids) are read correctly.
attributes:
  check_mode:
    description:
      - Lists the stale MACs with the evidence, the grace each has left, and what would be removed. It
        removes nothing and records nothing, so a check-mode run does not count as an observation.
    support: full
  diff_mode:
    description: Returns a before/after diff of each parent's child MACs, and of C(mlx4_vnic.conf) when I(vendor_daemon) changes it.
    support: full
  action_group:
    description: Use C(group/iofabric.core.fabric) in C(module_defaults) to set I(sysroot) and I(netns) once.
    support: full
    membership:
      - iofabric.core.fabric
options:
  parents:
    description:
      - The EoIB vNics (parent netdevs) whose child MACs are collected, or C(all) for every vNic that
        C(mlx4_vnic) shows.
      - The run is recorded as the reconciler's EoIB declaration for the parents it names only. A run on
        C([eth44]) leaves the declarations of other parents as they were. C(all) replaces the whole
        declaration. The reconciler collects each declared parent with the I(source), I(libvirt_uri),
        I(grace) and I(confirm_timeout) it was declared with.
      - A named parent that does not exist is a failure. With C(all), a host without C(mlx4_vnic) is no
        change, with a warning.
    type: list
    elements: str
    default: [all]
  source:
    description:
      - Where the attached guests come from. C(libvirt) reads active domains' NICs (source bridge, target
        device, or direct on the parent). C(xenstore) reads C(/local/domain/0/backend/vif/<dom>/<dev>/mac)
        for each C(vif<dom>.<dev>) port. C(bridge) trusts the bridge's forwarding table on the guest ports.
        C(macvtap) takes the MAC of every macvtap on the parent.
      - C(auto) uses libvirt when I(libvirt_uri) is set, C(/etc/libvirt/libvirt.conf) has C(uri_default), or a
        libvirt socket exists; xenstore in a Xen dom0 with its tools installed; and always bridge and macvtap.
        Being chosen is not coverage. Each guest port of a parent's domain must be named by a source that
        answered, or nothing is removed under that parent, because a silent guest ages out of a forwarding
        table. Naming C(bridge) accepts the forwarding table for the ports no inventory names.
      - A MAC that any source in use places on the parent is kept.
    type: list
    elements: str
    choices: [auto, libvirt, xenstore, bridge, macvtap]
    default: [auto]
  libvirt_uri:
    description:
      - The libvirt connection, opened read-only. When not given, C(uri_default) from
        C(<sysroot>/etc/libvirt/libvirt.conf), otherwise C(qemu:///system).
      - Only local connections are accepted, from this option and from C(uri_default) alike. Allowed are a
        driver with no transport or C(+unix), no host, user or port, and no parameter but C(mode). C(ext)
        runs a command, and C(ssh), C(libssh), C(libssh2), C(tcp) and C(tls) reach other hosts. Anything
        else fails before the host is looked at, and the error names the field (C(libvirt_uri), or
        C(uri_default in /etc/libvirt/libvirt.conf)).
    type: str
  grace:
    description:
      - How long a MAC must have been stale before it is removed. Both limits must be reached, so set one of
        them to 0 (I(seconds)) or 1 (I(observations)) to use only the other.
    type: dict
    suboptions:
      seconds:
        description: Seconds since the MAC was first found stale.
        type: int
        default: 120
      observations:
        description: Consecutive runs that found it stale, this one included.
        type: int
        default: 2
  confirm_timeout:
    description: Seconds to poll the cmd files for each removal to take effect (mlx4_vnicd polls 11 s).
    type: float
    default: 11
  vendor_daemon:
    description: What to do with C(mlx4_vnicd), through its C(mlx4_vnicd=) line in C(/etc/infiniband/mlx4_vnic.conf).
    type: dict
    suboptions:
      state:
        description:
          - C(unmanaged) leaves the file alone.
          - C(collector_off) writes C(mlx4_vnicd=yes gc_enable=no), so the daemon runs (for C(vif_detect))
            and this module collects.
          - C(collector_on) writes C(mlx4_vnicd=yes gc_enable=yes) for sites that keep the vendor collector.
            This module then only reports.
          - C(disabled) writes C(mlx4_vnicd=no).
          - The other parameters on the line (C(ioa), C(max_iter), ...) are kept. The file is read when
            C(mlx4_vnic_confd) starts the daemon, so a running daemon keeps its old setting until it is
            restarted. Until then this module removes nothing if that daemon collects.
        type: str
        choices: [unmanaged, collector_off, collector_on, disabled]
        default: unmanaged
      interval:
        description: The daemon's C(interval) (seconds between its passes).
        type: int
      vif_detect:
        description: The daemon's C(vif_detect) (create child vNics for guest NICs that have none).
        type: bool
      log_level:
        description: The daemon's C(log_level).
        type: str
        choices: [debug, info, warning, error, critical]
      log_file:
        description: The daemon's C(log_file).
        type: path
  sysroot:
    description: Root under which every sysfs, proc and etc path and every tool is resolved.
    type: path
    default: /
  netns:
    description: Network namespace (a name under C(/run/netns)) in which the parents and guest ports live.
    type: str
  lock_timeout:
    description: Seconds to wait for the host's iofabric lock.
    type: float
    default: 30
notes:
  - Guest NICs of libvirt domains are matched by the bridge they name, by their target device, or by being
    direct on the parent, so a domain whose XML names no bridge and whose tap is not in the parent's bridge
    is not seen. Use C(source=auto) or add C(bridge) when guests are attached by other tools.
'''

EXAMPLES = r'''
- name: Collect stale child MACs on every EoIB vNic, turning the vendor collector off
  iofabric.core.eoib_gc:
    vendor_daemon:
      state: collector_off

- name: Report what would be removed, with the evidence, changing nothing
  iofabric.core.eoib_gc:
    parents: [eth4, eth5]
  check_mode: true
  register: eoib

- name: Show the stale MACs
  ansible.builtin.debug:
    var: eoib.stale

- name: KVM host, a specific libvirt, a short grace counted in runs only
  iofabric.core.eoib_gc:
    source: [libvirt, macvtap]
    libvirt_uri: qemu:///system
    grace:
      seconds: 0
      observations: 3

- name: A site that keeps mlx4_vnicd's collector (this module then only reports)
  iofabric.core.eoib_gc:
    vendor_daemon:
      state: collector_on
      interval: 10
'''

RETURN = r'''
before:
  description: Each parent before the run (parent, vnic, mac, children).
  returned: always
  type: list
  elements: dict
  sample:
    - {parent: eth4, vnic: vnic1, mac: "00:25:8b:27:14:78", children: ["52:54:00:00:00:01", "52:54:00:00:00:02"]}
after:
  description: Each parent after the run (the prediction in check mode).
  returned: >-
    unless the run changed nothing and --diff is off: then it
    would only repeat I(before) and is left out
  type: list
  elements: dict
diff:
  description: Per parent, C(before) and C(after) with headers; and C(mlx4_vnic.conf) when it changes.
  returned: always
  type: list
  elements: dict
actions:
  description: The ordered actions (configure, remove_child) with their reasons and status.
  returned: always
  type: list
  elements: dict
stale:
  description: The stale child MACs, each with the evidence, its grace progress and whether it is removed now.
  returned: when a child MAC is stale
  type: list
  elements: dict
  sample:
    - parent: eth4
      mac: "52:54:00:00:00:02"
      child: eth1.c16386
      evidence: "no guest NIC attached to eth4 has this MAC (libvirt test:///... (libvirt-python): 2 active NIC(s) on br0; ...)"
      grace: stale for 2 of 2 observation(s) and 0 of 0 s
      would_remove: true
removed:
  description: Child MACs removed and confirmed gone, with the reason.
  returned: unless check mode
  type: list
  elements: dict
unconfirmed:
  description: Child MACs whose removal was written but not confirmed within I(confirm_timeout); retried next run.
  returned: unless check mode
  type: list
  elements: dict
kept:
  description: Child MACs left in place, each with the reason (attached with the evidence, in grace, source unreadable, another collector).
  returned: always
  type: list
  elements: dict
pending:
  description: What waits (a MAC in grace, a guest source that could not be read, an unconfirmed removal).
  returned: always
  type: list
  elements: dict
failures:
  description: Parents that do not exist, and a vendor collector that blocks this one.
  returned: always
  type: list
  elements: dict
vendor_daemon:
  description: The C(mlx4_vnicd=) line (after any change), and the running daemons with their C(gc_enable).
  returned: always
  type: dict
objects:
  description:
    - One row per object the task was about (declared, deleted, or found by I(state=overridden)), with C(kind), C(object)
      and C(status), one of C(in_sync), C(changed), C(drift) (in check mode, what a converge would change), C(pending)
      (waiting for hardware) or C(failed).
    - Unless in sync, C(reason) (the actions, what it waits for, or the error), C(pending) (what a changed object still
      waits for) and C(fields), the fields that differ, each with C(field), C(desired) and C(live).
    - M(iofabric.core.drift_report) and the M(iofabric.core.fabric) role's summary read these rows.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
  sample:
    - {kind: eoib, object: eth4, status: pending, reason: "52:54:00:a1:00:02: first observation of 2"}
tool_runs:
  description: How many times each external tool ran during the task.
  returned: always
  type: dict
'''

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.eoib_gc import run_eoib
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.module import new_module, require_libraries, run_engine
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import HAS_PYROUTE2
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import HAS_JSONSCHEMA

ARGUMENT_SPEC = dict(
    parents=dict(type='list', elements='str', default=['all']),
    source=dict(type='list', elements='str', default=['auto'],
                choices=['auto', 'libvirt', 'xenstore', 'bridge', 'macvtap']),
    libvirt_uri=dict(type='str'),
    grace=dict(type='dict', options=dict(
        seconds=dict(type='int', default=120),
        observations=dict(type='int', default=2),
    )),
    confirm_timeout=dict(type='float', default=11.0),
    vendor_daemon=dict(type='dict', options=dict(
        state=dict(type='str', default='unmanaged', choices=['unmanaged', 'collector_off', 'collector_on', 'disabled']),
        interval=dict(type='int'),
        vif_detect=dict(type='bool'),
        log_level=dict(type='str', choices=['debug', 'info', 'warning', 'error', 'critical']),
        log_file=dict(type='path'),
    )),
    sysroot=dict(type='path', default='/'),
    netns=dict(type='str'),
    lock_timeout=dict(type='float', default=30.0),
)


def main():
    module = new_module(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    require_libraries(module, {'jsonschema': HAS_JSONSCHEMA, 'pyroute2': HAS_PYROUTE2})
    run_engine(module, lambda: run_eoib(module.params, module.check_mode), 'EoIB parent(s)')


if __name__ == '__main__':
    main()
