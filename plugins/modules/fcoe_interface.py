#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: fcoe_interface
short_description: FCoE interfaces created and destroyed from link and DCB state
version_added: 0.1.0
description:
  - Manages software FCoE instances the way fcoemon decides them, declaratively.
  - An interface is created when its link is up (and that of its real device, for a VLAN) and either
    DCB is not required, or DCB is on, PFC and App:FCoE are enabled and operational and their priorities
    intersect. It is destroyed when its network interface is removed; when DCB is required and DCB or
    App:FCoE is off, or PFC and App:FCoE are operational with disjoint priorities; or when the conditions
    are still unmet after 10 retries. Otherwise it is reported as pending with the exact condition that
    is not met. A link that goes down does not destroy an existing interface.
  - The retry discipline is fcoemon's C(dcbd query sequence). A failed step - a DCB query that fails
    (lldpad does not answer within 2 s, answers garbage or an error, lldpad restarting), PFC or App:FCoE not synchronised with the
    peer (C(Syncd false)), or a condition still unmet - starts the retry timer. Retry n comes 0.2 s x n
    after retry n-1, so the tenth is due 11 s after the first failed step; if the conditions are still
    unmet at the tenth, the interface is destroyed (and then waits, pending, until its DCB state changes).
    The count is that of the retry times passed since the first failed step, kept in the state store
    (C(unmet_since), C(retries), C(next_retry)), so that extra runs neither hasten nor delay the destroy.
    A link that goes down (a flap) or the conditions met reset it. DCB or App:FCoE disabled while the
    link is up destroys at once, without retries.
  - Within a task, I(dcb_timeout) bounds how long the task itself waits through the retry times. Between
    runs the reconciler's watch service (role M(iofabric.core.reconciler)) runs a pass at each retry
    time, the last included, so the destroy happens about 11 s after the trouble was first seen.
  - An interface whose network interface does not exist fails the task before anything changes, unless
    it is a VLAN that FIP VLAN discovery can still create (C(<interface>.<vlan>) or
    C(<interface>.<vlan><suffix>) such as fcoemon's C(eth2.101-fcoe), over an interface that exists). That
    one is pending and the task shows a warning naming what is missing. An interface declared earlier
    whose network interface went away later (a driver unloaded) is pending, not an error.
  - FCoE instances are identified by the network interface they run over, never by their SCSI host name, as
    the kernel gives a new instance the lowest free host number.
  - Link state and the real device under a VLAN come from rtnetlink. DCB comes from lldpad over its client
    socket (the CEE query sequence fcoemon uses, one datagram each, no process; C(dcbtool) when the socket
    cannot be used, C(lldptool) in IEEE-DCBX mode), and from the kernel's dcbnl when lldpad is not running.
  - Creates through C(/sys/bus/fcoe) (create, set the mode, enable), or the legacy
    C(/sys/module/libfcoe/parameters) when the bus is absent. An interface counts as created when an
    fc_host whose symbolic name ends in C(over <interface>) exactly appears (fcoe-utils compares a prefix,
    so C(eth2.101) would also pass for C(eth2); this module does not).
  - Writes C(/etc/fcoe/cfg-<interface>) in fcoemon's format (quoted C(yes)/C(no) values), keeping keys and
    comments it does not manage.
author:
  - iofabric.core maintainers (@iofabric)
requirements:
  - jsonschema (the state store)
  - pyroute2 (link state)
attributes:
  check_mode:
    description: Reads links and DCB and plans without changing anything or waiting for DCB to settle.
    support: full
  diff_mode:
    description: Returns a before/after diff per interface and per configuration file.
    support: full
  action_group:
    description: Use C(group/iofabric.core.fabric) in C(module_defaults) to set I(sysroot) and I(netns) once.
    support: full
    membership:
      - iofabric.core.fabric
options:
  config:
    description:
      - The FCoE interfaces.
      - Suboptions have no argument default, so C(ansible-doc) shows their default as C(null), because with
        I(state=merged) an option not given keeps the object's current value. The value a suboption names
        C(when not given) is what a new interface gets, and what I(state=replaced) and I(state=overridden) set.
    type: list
    elements: dict
    suboptions:
      interface:
        description: The network interface, possibly a VLAN such as C(eth2.101).
        type: str
        required: true
      enabled:
        description: C(FCOE_ENABLE). Whether FCoE runs on the interface. When not given, C(true).
        type: bool
      dcb_required:
        description: C(DCB_REQUIRED). Whether creation waits for DCB (as above). When not given, C(true).
        type: bool
      auto_vlan:
        description:
          - C(AUTO_VLAN). FIP VLAN discovery on the base interface. Written to the configuration file for
            fcoemon; this module does not discover VLANs and leaves such an interface pending. Declare the VLAN
            interface to manage it here. When not given, C(false).
        type: bool
      mode:
        description: C(MODE). When not given, C(fabric).
        type: str
        choices: [fabric, vn2vn]
      fip_resp:
        description: C(FIP_RESP). The controller's FIP VLAN responder. When not given, C(false).
        type: bool
  state:
    description:
      - C(merged) and C(replaced) converge the listed interfaces (C(merged) keeps current values for options
        not given); C(overridden) also destroys every other FCoE instance and removes other configuration
        files; C(deleted) destroys the listed interfaces and removes their configuration files.
      - C(gathered) returns the live FCoE interfaces; C(rendered) returns the configuration files for
        I(config); C(parsed) reads configuration text in I(running_config), as fcoemon would.
    type: str
    default: merged
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
  running_config:
    description:
      - For I(state=parsed), the text of one C(cfg-<interface>) file, or a mapping of interface to text.
    type: raw
  sysroot:
    description: Root under which every sysfs, proc and etc path and every tool is resolved.
    type: path
    default: /
  netns:
    description: Network namespace (as in C(ip netns)) of the interfaces. When not given, the host's.
    type: str
  dcb_timeout:
    description:
      - Seconds the task waits through the retry times (0.2 s x n after the one before) for DCB to settle
        before reporting the interface as pending. C(12) covers the whole retry window, so that one task
        destroys an interface whose DCB stays unusable; C(0) queries once.
    type: float
    default: 2
  destroy_timeout:
    description: Seconds to wait for a destroyed instance to vanish (the kernel destroys asynchronously).
    type: float
    default: 10
  persist:
    description: Whether to write C(/etc/fcoe/cfg-<interface>).
    type: bool
    default: true
  fcoemon_policy:
    description:
      - What to do when fcoemon is running, since two controllers would fight over the same interfaces.
      - C(refuse) fails every declared interface with an explanation.
      - C(defer) writes the configuration files only and leaves the kernel to fcoemon (which reads them when
        it restarts); the interfaces are reported as pending.
    type: str
    default: refuse
    choices: [refuse, defer]
  lock_timeout:
    description: Seconds to wait for the host's iofabric lock.
    type: float
    default: 30
notes:
  - The kernel's ctlr C(mode) attribute is written as C(Fabric) or C(VN2VN), which both older (case-insensitive)
    and newer (case-sensitive) kernels accept.
'''

EXAMPLES = r'''
- name: FCoE on two DCB interfaces, one of them a VLAN
  iofabric.core.fcoe_interface:
    config:
      - interface: eth2
      - interface: eth3.101
        mode: fabric
    state: merged
  register: fcoe

- name: Show what waits for DCB or the link
  ansible.builtin.debug:
    var: fcoe.pending

- name: FCoE without DCB (firmware DCB or a lossless fabric)
  iofabric.core.fcoe_interface:
    config:
      - interface: ens1f1
        dcb_required: false
        mode: vn2vn

- name: Drift report
  iofabric.core.fcoe_interface:
    config: "{{ iofabric_fcoe }}"
  check_mode: true
  diff: true

- name: Only these FCoE interfaces exist
  iofabric.core.fcoe_interface:
    config:
      - interface: eth2
    state: overridden

- name: Read existing fcoemon configuration files
  iofabric.core.fcoe_interface:
    running_config:
      eth2: "{{ lookup('ansible.builtin.file', '/etc/fcoe/cfg-eth2') }}"
    state: parsed
'''

RETURN = r'''
before:
  description: The FCoE interfaces before the task (kernel instances and configuration files).
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
after:
  description: The FCoE interfaces after the task (the prediction in check mode).
  returned: >-
    for merged, replaced, overridden and deleted, unless the run changed nothing and --diff is off: then it
    would only repeat I(before) and is left out
  type: list
  elements: dict
diff:
  description: Per interface and per configuration file, C(before) and C(after) with headers.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
actions:
  description: The ordered actions (create, set-mode, enable, destroy, write-config, ...) with their reasons.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
pending:
  description: Interfaces waiting for their link, their netif or DCB, each with the exact condition not met.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
  sample:
    - object: eth2
      reason: PFC is not operational on eth2
      waiting_for: dcb
failures:
  description: Interfaces that could not be brought to their declared state, each with the error.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
dcb:
  description: The DCB state read per interface, with its source (lldpad or the kernel).
  returned: when DCB was read
  type: dict
gathered:
  description: The live FCoE interfaces in the shape of I(config).
  returned: when I(state=gathered)
  type: list
  elements: dict
rendered:
  description: Configuration file text per file path.
  returned: when I(state=rendered)
  type: dict
parsed:
  description: The configuration parsed from I(running_config), as fcoemon reads it.
  returned: when I(state=parsed)
  type: list
  elements: dict
quirks:
  description: Lines fcoemon would ignore or misread, with their line numbers.
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
    - {kind: fcoe, object: eth2, status: pending, reason: "PFC is not operational on eth2"}
tool_runs:
  description: How many times each external tool ran during the task.
  returned: always
  type: dict
lldpad_queries:
  description:
    - How many requests went to lldpad over its client socket during the task (one datagram each, no process
      started; five per interface read, in fcoemon's order). They are not in RV(tool_runs).
  returned: when DCB was read
  type: int
  sample: 10
'''

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.fcoe_interface import run_fcoe
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.module import new_resource_module, run_engine
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.host.netlink import HAS_PYROUTE2
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import HAS_JSONSCHEMA

ARGUMENT_SPEC = dict(
    config=dict(type='list', elements='dict', options=dict(
        interface=dict(type='str', required=True),
        enabled=dict(type='bool'),
        dcb_required=dict(type='bool'),
        auto_vlan=dict(type='bool'),
        mode=dict(type='str', choices=['fabric', 'vn2vn']),
        fip_resp=dict(type='bool'),
    )),
    state=dict(type='str', default='merged',
               choices=['merged', 'replaced', 'overridden', 'deleted', 'gathered', 'rendered', 'parsed']),
    running_config=dict(type='raw'),
    sysroot=dict(type='path', default='/'),
    netns=dict(type='str'),
    dcb_timeout=dict(type='float', default=2.0),
    destroy_timeout=dict(type='float', default=10.0),
    persist=dict(type='bool', default=True),
    fcoemon_policy=dict(type='str', default='refuse', choices=['refuse', 'defer']),
    lock_timeout=dict(type='float', default=30.0),
)


def main():
    module = new_resource_module(ARGUMENT_SPEC, {'jsonschema': HAS_JSONSCHEMA, 'pyroute2': HAS_PYROUTE2})
    run_engine(module, lambda: run_fcoe(module.params, module.check_mode), 'FCoE interface(s)')


if __name__ == '__main__':
    main()
