#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: vnic_interface
short_description: QLogic EVIC/VEx VNICs over InfiniBand and macvlan VNICs, declared as one list
version_added: 0.1.0
description:
  - Manages two kinds of virtual NIC with the resource-module states.
  - C(type=qlgc) VNICs are QLogic EVIC/VEx virtual NICs driven through
    C(/sys/class/infiniband_qlgc_vnic). Paths may name their IOC by IOC string, by IOC GUID, or by
    IOC GUID and DGID. A path whose IOC is not visible yet is created idle and reported as pending;
    it is connected as soon as the IOC appears (by the next run or by the reconciler). A
    disconnected path whose IOC string now has another IOC GUID and DGID (a hot-swapped EVIC/VEx)
    is updated in place.
  - C(ib_qlgc_vnic_query) runs once per task, whatever the number of VNICs, to resolve IOC strings
    and GUIDs to IOC GUID, DGID and P_Key.
  - The declaration is written to C(/etc/infiniband/qlgc_vnic.cfg) in the vendor grammar so that the
    vendor init script recreates the VNICs at boot. C(merged) keeps blocks and comments it does not
    manage; C(overridden) owns the file.
  - C(type=macvlan) VNICs are Ethernet VNICs over a lower link, managed over rtnetlink. Without a
    name, the first free C(vnic<N>) is allocated and returned. Each VNIC carries an altname tag, and
    its lower link is recorded by ifindex and MAC, so that renames of either are recognised and
    reported instead of creating a duplicate. MACs are always set explicitly (a stable locally
    administered MAC is derived from the declaration when none is given) so that udev does not
    rewrite them.
  - Every declaration is recorded in the state store under C(<sysroot>/var/lib/iofabric), which the
    M(iofabric.core.reconciler) role's reconciler uses to finish pending work between runs.
  - Check mode plans without touching the host and returns the predicted C(after), a per-VNIC diff
    and the planned actions with their reasons.
author:
  - iofabric.core maintainers (@iofabric)
requirements:
  - jsonschema (the state store)
  - pyroute2 (only for C(type=macvlan))
attributes:
  check_mode:
    description: Plans without changing anything and returns the predicted C(after) and the planned actions.
    support: full
  diff_mode:
    description: Returns a before/after diff per VNIC and for the vendor configuration file.
    support: full
  action_group:
    description: Use C(group/iofabric.core.fabric) in C(module_defaults) to set I(sysroot) and I(netns) once.
    support: full
    membership:
      - iofabric.core.fabric
options:
  config:
    description:
      - The VNICs. One task declares the whole list; loops are never needed.
      - Suboptions have no argument default, so C(ansible-doc) shows their default as C(null), because with
        I(state=merged) an option not given keeps the object's current value. The value a suboption names
        C(when not given) is what a new VNIC gets, and what I(state=replaced) and I(state=overridden) set.
    type: list
    elements: dict
    suboptions:
      type:
        description:
          - C(qlgc) for a QLogic EVIC/VEx VNIC, C(macvlan) for an Ethernet VNIC over a lower link.
        type: str
        required: true
        choices: [qlgc, macvlan]
      name:
        description:
          - Interface name, 1 to 15 characters of letters, digits and C(_.@+-).
          - Required for C(qlgc). For C(macvlan), optional; without it the first free C(vnic<N>) is
            allocated.
        type: str
      primary:
        description:
          - C(qlgc) only. The primary path; required for a new VNIC.
          - An IOC GUID or an IOC string is required. A DGID needs an IOC GUID. With an IOC GUID and an
            IOC string but no DGID, the IOC string wins (the vendor's rule), which is what makes hot
            swap work.
        type: dict
        suboptions: &path_options
          ioc_string:
            description:
              - The IOC profile ID string, for example C(EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1).
                Case-sensitive and byte-exact; printable ASCII without double quotes, at most 64 bytes.
            type: str
          ioc_guid:
            description: IOC GUID, up to 16 hex digits, with or without C(0x).
            type: raw
          dgid:
            description:
              - Destination GID of the IOC, 32 hex digits (C(0x) and IPv6-style colon forms accepted).
                Makes the GUID and DGID explicit.
            type: raw
          pkey:
            description: P_Key, hex. When not given, C(ffff).
            type: raw
          instance:
            description: Instance, 0 to 255; the IOC GUID and instance pair must be unique. When not given, C(0).
            type: int
          hca:
            description:
              - The local HCA, by number as in C(ib_qlgc_vnic_query -L) (C(0) is the first) or by device
                name (C(mlx4_0)). When not given, C(0) when I(port) is given.
            type: raw
          port:
            description: The local HCA port number (the first port is C(1)).
            type: int
          port_guid:
            description: The local port by its port GUID instead of I(hca) and I(port).
            type: raw
      secondary:
        description: C(qlgc) only. The secondary path, with the same options as I(primary).
        type: dict
        suboptions: *path_options
      heartbeat:
        description: C(qlgc) only. Heartbeat interval in 1/100 s, 1 to 6000. When not given, C(100).
        type: int
      rx_csum:
        description: C(qlgc) only. Receive checksum offload. When not given, C(true).
        type: bool
      tx_csum:
        description: C(qlgc) only. Transmit checksum offload. When not given, C(true).
        type: bool
      ib_multicast:
        description: C(qlgc) only. IB multicast for the VNIC. When not given, C(true).
        type: bool
      lower:
        description: C(macvlan) only. The lower link.
        type: str
      mode:
        description: C(macvlan) only. The macvlan mode. When not given, C(bridge).
        type: str
        choices: [bridge, private, vepa, passthru, source]
      mac:
        description:
          - C(macvlan) only. A unicast MAC. Quote it in YAML. Without it a stable locally administered
            MAC is derived from the declaration and the host's machine id.
        type: str
      mtu:
        description: C(macvlan) only. The MTU.
        type: int
  state:
    description:
      - C(merged) creates and updates the listed VNICs; options not given keep their current values.
      - C(replaced) makes the listed VNICs exactly as declared (options not given take defaults).
      - C(overridden) does what C(replaced) does and removes every other qlgc VNIC, and every other
        macvlan that iofabric tagged or that sits on a lower link named in the declaration. With an
        empty I(config) it removes all of them.
      - C(deleted) removes the listed VNICs; I(config) must name them.
      - C(gathered) returns the live VNICs in the shape of I(config).
      - C(rendered) returns the vendor configuration text and the kernel create strings for I(config),
        touching nothing.
      - C(parsed) turns vendor configuration text in I(running_config) into I(config), touching nothing.
    type: str
    default: merged
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
  running_config:
    description: For I(state=parsed), the text of a C(qlgc_vnic.cfg) file.
    type: str
  sysroot:
    description:
      - Root under which every sysfs, proc and etc path and every tool is resolved.
    type: path
    default: /
  netns:
    description: Network namespace (as in C(ip netns)) that macvlan VNICs live in. When not given, the host's.
    type: str
  config_file:
    description: Where the vendor configuration is persisted (under I(sysroot)).
    type: path
    default: /etc/infiniband/qlgc_vnic.cfg
  persist:
    description: Whether to write I(config_file).
    type: bool
    default: true
  connect_timeout:
    description:
      - Seconds to wait for paths whose IOC is visible to connect before reporting them as pending.
        C(0) does not wait.
    type: float
    default: 10
  allow_disruption:
    description:
      - Whether a qlgc VNIC that carries traffic (a path connected) may be deleted and created again, which
        drops its traffic until it reconnects. The kernel makes some changes only that way (heartbeat,
        checksums, instance, the local port, another IOC for a connected path).
      - With C(true), such a recreate is done, and shown as a warning in the default output and as a diff
        in C(--diff), naming what it changes.
      - With C(false), it is not done. The VNIC is reported as pending (waiting for C(disruption)) with
        what the recreate would change, and nothing of it changes. The choice is recorded with the VNIC,
        so the M(iofabric.core.reconciler) role's passes do not do it either until a task says C(true).
      - A VNIC with no connected path carries no traffic, so it is recreated either way.
    type: bool
    default: true
  lock_timeout:
    description: Seconds to wait for the host's iofabric lock (held by another run or the reconciler).
    type: float
    default: 30
notes:
  - The kernel changes a qlgc path only by a create string with the same name, and only while the path
    is disconnected. A change the kernel cannot make in place (heartbeat, checksums, instance, the local
    port, or another IOC for a connected path) recreates the VNIC; the action's reason says so, and see
    I(allow_disruption).
  - A hot swap is detected when either the IOC GUID or the DGID behind a declared IOC string changes (or both).
  - A repair of one path never takes down the other path of the same VNIC. A connected path whose IOC
    changed while the other path is connected is not recreated; it is pending (waiting for C(disconnect))
    and updated in place once the stale connection drops.
  - An IOC string that two IOCs advertise at once on the path's port (during a swap in a chassis) is
    ambiguous. A path already on one of them is in sync (its IOC still carries the declared string) and a
    warning names the other. Otherwise the VNIC is pending (waiting for C(ambiguous)) with both
    candidates and the port, and nothing of it changes until only one IOC carries the string.
  - A VNIC whose creation failed is not written into I(config_file). A task that declares no qlgc VNIC
    never creates I(config_file).
  - A path whose IOC is not visible is written with zeros for what is unknown, so that the VNIC exists
    and a secondary path can carry traffic; the kernel keeps such a path idle.
  - The vendor file has no P_Key or TX_CSUM key; those are applied by iofabric only.
'''

EXAMPLES = r'''
- name: Two EVIC VNICs by IOC string, with secondary paths, and an Ethernet VNIC
  iofabric.core.vnic_interface:
    config:
      - type: qlgc
        name: veth1
        primary:
          ioc_string: "EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1"
          hca: 0
          port: 1
        secondary:
          ioc_string: "EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 2"
          hca: 0
          port: 2
      - type: qlgc
        name: veth2
        primary:
          ioc_guid: "00066a02de000070"
          dgid: "fe8000000000000000066a21de000070"
          instance: 1
          port_guid: "0x0002c903000010f6"
        heartbeat: 200
      - type: macvlan
        lower: eth1
        mode: bridge
    state: merged

- name: Ethernet VNICs with automatic vnic<N> names
  iofabric.core.vnic_interface:
    config:
      - type: macvlan
        lower: eth1
      - type: macvlan
        lower: eth1
        mac: "02:00:5e:10:00:01"
        mtu: 9000
  register: vnics

- name: Show the allocated names
  ansible.builtin.debug:
    var: vnics.allocated_names

- name: Only these VNICs exist (removes the others)
  iofabric.core.vnic_interface:
    config:
      - type: qlgc
        name: veth1
        primary:
          ioc_string: "EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1"
          port: 1
    state: overridden

- name: Drift report without changing anything
  iofabric.core.vnic_interface:
    config: "{{ iofabric_vnics }}"
  check_mode: true
  diff: true

- name: Remove a VNIC
  iofabric.core.vnic_interface:
    config:
      - type: qlgc
        name: veth2
    state: deleted

- name: Convert the vendor configuration file
  iofabric.core.vnic_interface:
    running_config: "{{ lookup('ansible.builtin.file', 'qlgc_vnic.cfg') }}"
    state: parsed

- name: Against a simulated fabric, with defaults set once for the group
  module_defaults:
    group/iofabric.core.fabric:
      sysroot: /srv/fabricsim/host1
      netns: fsim-1234567890
  iofabric.core.vnic_interface:
    config:
      - type: macvlan
        lower: eth1
'''

RETURN = r'''
before:
  description: The VNICs before the task, in the shape of I(config).
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
after:
  description: The VNICs after the task, read back (the prediction in check mode).
  returned: >-
    for merged, replaced, overridden and deleted, unless the run changed nothing and --diff is off: then it
    would only repeat I(before) and is left out
  type: list
  elements: dict
diff:
  description: Per VNIC, and for the vendor file, C(before) and C(after) with headers.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
actions:
  description: The ordered actions, each with C(object), C(action), C(reason), C(status) and details.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
  sample:
    - object: veth1
      action: update-primary
      reason: >-
        primary path: hot swap of IOC "EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1":
        GUID 00066a01de000070 -> 00066a01df000070, DGID ... -> ...
      status: done
pending:
  description:
    - VNICs waiting, with the reason and C(waiting_for) - C(ioc) (an IOC not visible yet), C(port) (a local port
      down), C(connect), C(query), C(ambiguous) (two IOCs carry the IOC string), C(disconnect) (a stale connected
      path, updated in place once it drops) or C(disruption) (a recreate that I(allow_disruption=false) refused).
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
failures:
  description:
    - VNICs that could not be brought to their declared state, each with the error (C(object), C(error)).
    - "A macvlan VNIC declared without a name also has C(label), which is how messages name it
      (for example C(unnamed macvlan #1 on eth1)); its C(object) is the id the collection keys it by.
      Its rows in RV(actions) and RV(pending) carry the same C(label)."
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
allocated_names:
  description: For macvlan VNICs declared without a name, the names allocated by this run.
  returned: when a name was allocated
  type: dict
config_refresh:
  description: Notes on explicitly configured GUIDs/DGIDs that a hot swap made stale.
  returned: when a hot swap was repaired on an explicitly configured path
  type: list
  elements: str
gathered:
  description: The live VNICs in the shape of I(config).
  returned: when I(state=gathered)
  type: list
  elements: dict
rendered:
  description: What the declaration would make, without touching the host.
  returned: when I(state=rendered)
  type: dict
  contains:
    config:
      description: The QLogic vendor configuration text (C(/etc/infiniband/qlgc_vnic.cfg)), for qlgc VNICs.
      type: str
      returned: when qlgc VNICs are declared
    create_strings:
      description: The strings the driver's C(create_primary) and C(create_secondary) files would be given, for qlgc VNICs.
      type: list
      elements: str
      returned: when qlgc VNICs are declared
    commands:
      description: The equivalent C(ip link) commands, one per macvlan VNIC (for reading; the module uses rtnetlink).
      type: list
      elements: str
      returned: when macvlan VNICs are declared
      sample: ["ip link add link eth3 name bkup0 address 02:1b:21:00:0b:01 mtu 9000 type macvlan mode bridge"]
parsed:
  description: The configuration parsed from I(running_config), in the shape of I(config).
  returned: when I(state=parsed)
  type: list
  elements: dict
quirks:
  description: Problems found in I(running_config), each with its line number.
  returned: when I(state=parsed) found any
  type: list
  elements: dict
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
    - kind: qlgc
      object: veth2
      status: pending
      reason: "primary path: IOC \"EVIC in Chassis 0x00066a00db00001f, Slot 2, Ioc 1\" is not visible on mlx4_0:1 yet"
tool_runs:
  description: How many times each external tool ran during the task.
  returned: always
  type: dict
  sample: {ib_qlgc_vnic_query: 1}
'''

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.module import new_resource_module, run_engine
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import HAS_JSONSCHEMA
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.vnic_interface import run_vnic

PATH_OPTIONS = dict(
    ioc_string=dict(type='str'),
    ioc_guid=dict(type='raw'),
    dgid=dict(type='raw'),
    pkey=dict(type='raw', no_log=False),  # a partition key, not a secret
    instance=dict(type='int'),
    hca=dict(type='raw'),
    port=dict(type='int'),
    port_guid=dict(type='raw'),
)

ARGUMENT_SPEC = dict(
    config=dict(type='list', elements='dict', options=dict(
        type=dict(type='str', required=True, choices=['qlgc', 'macvlan']),
        name=dict(type='str'),
        primary=dict(type='dict', options=PATH_OPTIONS),
        secondary=dict(type='dict', options=PATH_OPTIONS),
        heartbeat=dict(type='int'),
        rx_csum=dict(type='bool'),
        tx_csum=dict(type='bool'),
        ib_multicast=dict(type='bool'),
        lower=dict(type='str'),
        mode=dict(type='str', choices=['bridge', 'private', 'vepa', 'passthru', 'source']),
        mac=dict(type='str'),
        mtu=dict(type='int'),
    )),
    state=dict(type='str', default='merged',
               choices=['merged', 'replaced', 'overridden', 'deleted', 'gathered', 'rendered', 'parsed']),
    running_config=dict(type='str'),
    sysroot=dict(type='path', default='/'),
    netns=dict(type='str'),
    config_file=dict(type='path', default='/etc/infiniband/qlgc_vnic.cfg'),
    persist=dict(type='bool', default=True),
    connect_timeout=dict(type='float', default=10.0),
    allow_disruption=dict(type='bool', default=True),
    lock_timeout=dict(type='float', default=30.0),
)


def main():
    module = new_resource_module(ARGUMENT_SPEC, {'jsonschema': HAS_JSONSCHEMA})
    run_engine(module, lambda: run_vnic(module.params, module.check_mode), 'VNIC(s)')


if __name__ == '__main__':
    main()
