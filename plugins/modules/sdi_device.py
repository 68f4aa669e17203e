#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: sdi_device
short_description: Hot-add and hot-remove SCSI devices, never removing one that is in use
version_added: 0.1.0
description:
  - Adds and removes SCSI devices on a running system, declaratively, with the guarantees of UnixWare's
    SDI hot add/remove that Linux does not give by itself.
  - Add checks that the host exists, is running and can hot-plug (its C(scan) attribute is writable),
    writes C(C T L) to C(/sys/class/scsi_host/host<H>/scan), waits (bounded) for the device and its disk
    to appear, and verifies the declared identity. A device already there is no change. Nothing answering
    at the address is a failure, and a device whose identity differs from the declaration is reported,
    never accepted.
  - Remove decides from the whole stack above the disk. It follows C(holders/) of the disk and of each
    partition recursively (device-mapper for LVM, multipath and dm-crypt; md; bcache) and adds loop devices
    whose backing file lives on a file system of the stack. Every use anywhere up the stack counts against
    the disk, matched by device number (major:minor), not by name. That covers mounts (C(/proc/self/mountinfo),
    and the mount source for the anonymous numbers btrfs shows), swap (C(/proc/swaps)), file descriptors open
    through any device node name, including udev aliases such as C(/dev/oracleasm/disks/DATA1), and btrfs
    file systems that span devices (C(/sys/fs/btrfs/*/devices)). On the real root it also checks for
    exclusive claims with an C(O_EXCL) open. A refusal lists the evidence with the chain, for example
    C(sdd1 -> dm-4 (vg0-pv) -> dm-5 (vg0-root) mounted on /).
  - Whatever carries C(/), C(/boot), C(/boot/efi), C(/usr) or C(/var), or active swap, anywhere up the disk's stack
    is never removed, with or without I(force). Anything the module cannot read (permissions, entries
    that vanish, an unbound holder) also refuses the removal, and the refusal names what could not be
    seen. An exclusive claim it cannot explain refuses too.
  - The removal sequence is flush (C(blockdev --flushbufs)), take the device offline (C(state) C(offline),
    the nearest Linux has to SDI's SFB_PAUSE), then check everything once more, including I/O in flight
    (C(device_busy) or C(inflight), either one alone). Then delete, wait for the device to vanish, and
    verify. If the last check finds anything, the device goes back online and nothing is written to C(delete).
  - A LUN without a designator (no C(wwid), as QEMU disks without a WWN and older arrays show it) is
    reported with an empty wwid. It does not make the module fail for other devices.
  - C(offline) is not a pause. The kernel fails new I/O to an offline device instead of holding it, and
    commands already at the HBA are not aborted. That is why the removal checks for I/O again after it and
    puts the device back online when anything is still in flight.
author:
  - iofabric.core maintainers (@iofabric)
requirements:
  - jsonschema (the state store)
attributes:
  check_mode:
    description: Lists what would be added and removed, and what would be refused and why.
    support: full
  diff_mode:
    description: Returns a before/after diff per device.
    support: full
  action_group:
    description: Use C(group/iofabric.core.fabric) in C(module_defaults) to set I(sysroot) once.
    support: full
    membership:
      - iofabric.core.fabric
options:
  config:
    description: The SCSI devices.
    type: list
    elements: dict
    suboptions:
      address:
        description: The device's address, C(H:C:T:L) (host, channel, target, LUN).
        type: str
        required: true
      wwid:
        description: The identity to verify, as the device's C(wwid) (for example C(naa.600a0980...)).
        type: str
      vendor:
        description: The identity to verify, as the INQUIRY vendor (compared without its padding).
        type: str
      model:
        description: The identity to verify, as the INQUIRY product.
        type: str
      serial:
        description: The identity to verify, as the unit serial number (VPD page 0x80).
        type: str
      force:
        description:
          - Remove the device even though something uses it that an administrator can judge. That covers
            a holder (an idle dm or md device), a file system mounted anywhere other than the protected
            mount points, a btrfs member, a process holding a node open (a stale open), and I/O in flight.
            Data on a mounted file system is lost.
          - Never overrides the protection of a stack carrying C(/), C(/boot), C(/boot/efi), C(/usr), C(/var) or active
            swap. Never overrides evidence the module could not read, or an exclusive claim it cannot explain.
        type: bool
      readd:
        description:
          - What the reconciler (role C(iofabric.core.reconciler)) does when this device, declared present, is
            missing between playbook runs. C(true) scans for it again; C(false) reports it as pending and
            leaves the bus alone. When not given, C(false).
        type: bool
  state:
    description:
      - C(merged) and C(replaced) add the listed devices.
      - C(deleted) removes the listed devices.
      - C(overridden) adds the listed devices and removes, on the hosts it names, every device it does not
        list (never with force).
      - C(gathered) returns the attached devices in the shape of I(config); C(rendered) returns the scan
        writes an add would make; C(parsed) reads C(/proc/scsi/scsi) text in I(running_config) and fails,
        naming the line, on text that is not in that format.
    type: str
    default: merged
    choices: [merged, replaced, overridden, deleted, gathered, rendered, parsed]
  running_config:
    description: For I(state=parsed), the text of C(/proc/scsi/scsi).
    type: str
  sysroot:
    description: Root under which every sysfs, proc and etc path and every tool is resolved.
    type: path
    default: /
  netns:
    description:
      - Accepted so that one C(module_defaults) entry for C(group/iofabric.core.fabric) can serve every module
        of the group; SCSI devices do not live in a network namespace, so it is not used.
    type: str
  attach_timeout:
    description: Seconds to wait for an added device and its disk to appear.
    type: float
    default: 10
  remove_timeout:
    description: Seconds to wait for a removed device to vanish.
    type: float
    default: 10
  lock_timeout:
    description: Seconds to wait for the host's iofabric lock.
    type: float
    default: 30
notes:
  - The in-use checks are advisory, as on any Linux host. A process can open the disk between the checks and
    the delete; taking the device offline first narrows that window.
'''

EXAMPLES = r'''
- name: Add two SAN LUNs, checking that they are the expected ones
  iofabric.core.sdi_device:
    config:
      - address: "1:0:3:1"
        wwid: naa.600a098038304437522b4d6c70583131
      - address: "1:0:3:2"
        vendor: NETAPP
        model: LUN C-Mode

- name: Remove a LUN, refused (with the evidence) if anything uses it
  iofabric.core.sdi_device:
    config:
      - address: "1:0:3:1"
    state: deleted
  register: removal
  failed_when: false

- name: Show why it was refused
  ansible.builtin.debug:
    var: removal.refused

- name: Host 1 has exactly these devices
  iofabric.core.sdi_device:
    config:
      - address: "1:0:3:0"
      - address: "1:0:4:0"
    state: overridden

- name: What would change, and what would be refused
  iofabric.core.sdi_device:
    config: "{{ iofabric_luns }}"
  check_mode: true
'''

RETURN = r'''
before:
  description: The attached devices before the task (address, wwid, vendor, model, serial).
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
after:
  description: The attached devices after the task (the prediction in check mode).
  returned: >-
    for merged, replaced, overridden and deleted, unless the run changed nothing and --diff is off: then it
    would only repeat I(before) and is left out
  type: list
  elements: dict
diff:
  description: Per device, C(before) and C(after) with headers.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
actions:
  description: The ordered actions (add, flush, offline, delete) with their reasons.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
failures:
  description: Devices that could not be added or were refused for removal, each with the error.
  returned: for merged, replaced, overridden and deleted
  type: list
  elements: dict
refused:
  description: Removals refused, each with the device, its disk and the evidence of use.
  returned: when a removal was refused
  type: list
  elements: dict
  sample:
    - address: "1:0:3:0"
      disk: sdb
      evidence: ["mount: sdb1 is mounted on /data", "open: sdb is open by pid 40012 (dd) fd 3 through /dev/sdb"]
      forced: false
gathered:
  description: The attached devices in the shape of I(config).
  returned: when I(state=gathered)
  type: list
  elements: dict
rendered:
  description: The scan writes an add would make.
  returned: when I(state=rendered)
  type: list
  elements: dict
parsed:
  description: The devices listed in I(running_config).
  returned: when I(state=parsed)
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
    - {kind: sdi, object: \"1:0:9:0\", status: pending, reason: "no such device at 1:0:9:0 after a scan"}
tool_runs:
  description: How many times each external tool ran during the task.
  returned: always
  type: dict
'''

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.module import new_resource_module, run_engine
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.entry.sdi_device import run_sdi
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.state.store import HAS_JSONSCHEMA

ARGUMENT_SPEC = dict(
    config=dict(type='list', elements='dict', options=dict(
        address=dict(type='str', required=True),
        wwid=dict(type='str'),
        vendor=dict(type='str'),
        model=dict(type='str'),
        serial=dict(type='str'),
        force=dict(type='bool'),
        readd=dict(type='bool'),
    )),
    state=dict(type='str', default='merged',
               choices=['merged', 'replaced', 'overridden', 'deleted', 'gathered', 'rendered', 'parsed']),
    running_config=dict(type='str'),
    sysroot=dict(type='path', default='/'),
    netns=dict(type='str'),
    attach_timeout=dict(type='float', default=10.0),
    remove_timeout=dict(type='float', default=10.0),
    lock_timeout=dict(type='float', default=30.0),
)


def main():
    module = new_resource_module(ARGUMENT_SPEC, {'jsonschema': HAS_JSONSCHEMA})
    run_engine(module, lambda: run_sdi(module.params, module.check_mode), 'SCSI device(s)')


if __name__ == '__main__':
    main()
