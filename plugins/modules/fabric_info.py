#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: fabric_info
short_description: The live IO fabric of a host, and its drift from what the iofabric.core modules declared
version_added: 0.1.0
description:
  - Gathers the live state of every kind the collection manages, in one task, read-only, and compares it
    with the declarations recorded in the state store under C(<sysroot>/var/lib/iofabric) by
    M(iofabric.core.vnic_interface), M(iofabric.core.fcoe_interface), M(iofabric.core.sdi_device) and
    M(iofabric.core.eoib_gc).
  - For each kind with declarations it runs that kind's own plan in check mode, exactly as
    C(iofabric-reconcile --check) does, so the drift it reports is precisely what a converge would change.
    Kinds with nothing declared are only gathered.
  - The facts cover the IOCs visible on every local InfiniBand port, the qlgc and macvlan VNICs, the FCoE
    instances and the DCB state of declared interfaces, the SCSI hosts and devices, and the EoIB parents
    with their child MACs and the guest MACs attached to them.
  - Every declared object gets a status, C(in_sync), C(drift) (a converge would change it), C(pending)
    (waiting for hardware, such as an IOC, a link, DCB or a grace) or C(failed), with since when that holds as far as
    the runs that applied (the modules and the reconciler) recorded it.
  - Takes the host's iofabric lock shared, so it never reads in the middle of a playbook run or a
    reconciler pass, and writes nothing.
author:
  - iofabric.core maintainers (@iofabric)
requirements:
  - jsonschema (the state store)
  - pyroute2 (for the macvlan, FCoE and EoIB kinds; without it those kinds report an error)
attributes:
  check_mode:
    description: Read-only; check mode changes nothing because nothing is ever changed.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
  action_group:
    description: Use C(group/iofabric.core.fabric) in C(module_defaults) to set I(sysroot) and I(netns) once.
    support: full
    membership:
      - iofabric.core.fabric
options:
  kinds:
    description: The kinds to gather. C(qlgc) and C(macvlan) are the two types of M(iofabric.core.vnic_interface).
    type: list
    elements: str
    choices: [qlgc, macvlan, fcoe, sdi, eoib]
    default: [qlgc, macvlan, fcoe, sdi, eoib]
  sysroot:
    description: Root under which every sysfs, proc and etc path and every tool is resolved.
    type: path
    default: /
  netns:
    description: Network namespace (as in C(ip netns)) of the links. When not given, the host's.
    type: str
  lock_timeout:
    description: Seconds to wait for the host's iofabric lock (held by a playbook run or a reconciler pass).
    type: float
    default: 30
  facts:
    description:
      - Also return the view as C(ansible_facts), under the one key C(iofabric) (C(status), C(in_sync), C(summary),
        C(fabric), C(objects), C(drift), C(pending), C(failures)), so that it is in C(hostvars[host].iofabric) for
        later plays and other hosts, and in the fact cache when one is configured.
    type: bool
    default: false
notes:
  - I(since) is when a run that applied (a module without check mode, or a reconciler pass) first recorded
    the object's current condition. Drift found by this read has not been recorded by any run, because a
    run would have repaired it, so its I(since) is null and I(in_sync_since) says since when the object had
    been verified in sync.
seealso:
  - module: iofabric.core.vnic_interface
  - module: iofabric.core.fcoe_interface
  - module: iofabric.core.sdi_device
  - module: iofabric.core.eoib_gc
'''

EXAMPLES = r'''
- name: The fabric and its drift
  iofabric.core.fabric_info:
  register: fabric

- name: Fail when the fabric drifted from its declaration
  ansible.builtin.assert:
    that: fabric.in_sync
    fail_msg: "{{ fabric.drift + fabric.pending + fabric.failures }}"

- name: The IOCs each local port sees
  ansible.builtin.debug:
    msg: "{{ fabric.fabric.qlgc.ports | map(attribute='iocs') | list }}"

- name: The view as facts, for hostvars and the fact cache
  iofabric.core.fabric_info:
    facts: true

- name: Hosts whose fabric is not in sync, from any host of the play
  ansible.builtin.debug:
    msg: "{{ ansible_play_hosts | map('extract', hostvars, ['iofabric', 'status']) | zip(ansible_play_hosts) }}"
  run_once: true

- name: Only the SCSI devices and the FCoE interfaces, on a simulated fabric
  iofabric.core.fabric_info:
    kinds: [sdi, fcoe]
    sysroot: /srv/fabricsim/host1
    netns: fsim-1234567890
'''

RETURN = r'''
fabric:
  description:
    - The facts per kind. Each has C(declared) (how many objects the store declares), C(live) (the live
      objects in the shape of the module's I(config)) and, but for C(eoib), C(unmanaged) (live objects
      nothing declared).
    - C(qlgc) adds C(ports), each with C(hca), C(port), C(port_guid), C(state) and the visible C(iocs)
      (C(ioc_guid), C(dgid), C(pkey), C(ioc_string)). C(fcoe) adds C(instances) and C(dcb) per declared
      interface. C(sdi) adds C(hosts) (with C(hotplug)) and C(devices) (state, disk, partitions). C(eoib)
      adds C(parents) (child MACs and the attached C(guest_macs) with their evidence) and C(vendor_daemon).
    - A kind that could not be read has only C(declared) and C(error).
  returned: always
  type: dict
objects:
  description:
    - Every declared object with C(kind), C(object), C(status) (C(in_sync), C(drift), C(pending),
      C(failed)), C(reason) unless in sync, C(fields) (what differs) for drift, and C(since),
      C(in_sync_since), C(changed_at) where the store knows them.
  returned: always
  type: list
  elements: dict
drift:
  description: One entry per field that differs, with C(kind), C(object), C(field), C(desired), C(live), C(reason) and C(since).
  returned: always
  type: list
  elements: dict
  sample:
    - kind: qlgc
      object: veth1
      field: primary.ioc_guid
      desired: 00066a01df000070
      live: 00066a01de000070
      reason: "update-primary: primary path: hot swap of IOC ..."
      since: null
      in_sync_since: "2026-12-01T10:00:00Z"
pending:
  description: Declared objects waiting for hardware, with C(kind), C(object), C(reason) and C(since).
  returned: always
  type: list
  elements: dict
failures:
  description: Declared objects, or whole kinds, that could not be read or planned, with C(error) and C(since).
  returned: always
  type: list
  elements: dict
summary:
  description: How many declared objects are C(in_sync), C(drift), C(pending) and C(failed).
  returned: always
  type: dict
  sample: {in_sync: 7, drift: 1, pending: 1, failed: 0}
in_sync:
  description: True when nothing drifted, nothing is pending and nothing failed (also when nothing is declared; see RV(status)).
  returned: always
  type: bool
status:
  description:
    - The host's worst status, C(failed), C(drift), C(pending) or C(in_sync); C(nothing_declared) when the store
      declares no object (nothing to be in sync with).
  returned: always
  type: str
  sample: pending
ansible_facts:
  description: With I(facts=true), the view under the key C(iofabric).
  returned: when I(facts=true)
  type: dict
  contains:
    iofabric:
      description: C(status), C(in_sync), C(summary), C(fabric), C(objects), C(drift), C(pending) and C(failures), as above.
      type: dict
      returned: when I(facts=true)
tool_runs:
  description: How many times each external tool ran (one C(ib_qlgc_vnic_query) in all, one DCB query per declared FCoE interface).
  returned: always
  type: dict
'''

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fabric_info import as_facts, gather
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.module import new_module, require_libraries, run_engine
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds import registry
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import HAS_JSONSCHEMA

KINDS = list(registry.NAMES)

ARGUMENT_SPEC = dict(
    kinds=dict(type='list', elements='str', choices=KINDS, default=KINDS),
    sysroot=dict(type='path', default='/'),
    netns=dict(type='str'),
    lock_timeout=dict(type='float', default=30.0),
    facts=dict(type='bool', default=False),
)


def main():
    module = new_module(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    require_libraries(module, {'jsonschema': HAS_JSONSCHEMA})
    params = module.params
    kinds = tuple(kind for kind in KINDS if kind in params['kinds'])

    def view() -> dict:
        report = gather(params['sysroot'], params['netns'], kinds, params['lock_timeout'])
        if params['facts']:
            report['ansible_facts'] = as_facts(report)
        return report

    # Failures are what this module reports, not reasons for the task to fail.
    run_engine(module, view, 'kind(s)', fail_on_failures=False)


if __name__ == '__main__':
    main()
