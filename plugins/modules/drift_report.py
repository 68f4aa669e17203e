#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: iofabric.core contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name, on the controller.

from __future__ import annotations

DOCUMENTATION = r'''
---
module: drift_report
short_description: Write the drift report of the IO fabric of every host as Markdown, JSON and JUnit XML
version_added: 0.1.0
description:
  - Runs on the controller, once for the play. Reads, for every host, the registered results of the
    iofabric.core module tasks that ran in check mode (M(iofabric.core.vnic_interface),
    M(iofabric.core.fcoe_interface), M(iofabric.core.sdi_device), M(iofabric.core.eoib_gc)), and writes one
    report for the whole run.
  - Every object declared on every host is classified as C(in_sync), C(drift) (a converge would change
    it, with the fields that differ, desired and live), C(pending) (waiting for hardware) or C(failed).
    A host with no results (unreachable, or failed before the report) is reported as failed.
  - The JSON report validates against C(docs/drift-report.schema.json). The JUnit XML has a test suite
    per host and a test case per object; drift is a failure, a failed object an error, a pending one
    skipped, so that CI systems show drift as failing tests.
  - Returns a readable summary per host, which the playbook M(ansible.builtin.debug)s at the end.
author:
  - iofabric.core maintainers (@iofabric)
attributes:
  action:
    description: An action plugin; it runs on the controller and nothing is executed on the hosts.
    support: full
  async:
    description: Not supported; the report is written while the task runs.
    support: none
  bypass_host_loop:
    description: Runs once for the play, whatever the number of hosts, and reads every host's results.
    support: full
  check_mode:
    description: Check mode writes the report too; it only describes the hosts and changes none of them.
    support: full
  diff_mode:
    description: Nothing on a host is changed, so there is no diff.
    support: none
  platform:
    description: The report is written on the controller.
    support: full
    platforms: posix
options:
  dest:
    description:
      - The directory on the controller where the report files are written (created if needed).
      - Without it, a directory of the user running the playbook, C($XDG_CACHE_HOME/iofabric/reports) or
        C(~/.cache/iofabric/reports); never the installed collection, which may be read-only. The summary
        and RV(dest) say where.
    type: path
  results:
    description:
      - The names of the variables the module tasks registered their results in. The default names are those
        the M(iofabric.core.fabric) role registers.
    type: list
    elements: str
    default: [fabric_vnics_result, fabric_fcoe_result, fabric_luns_result, fabric_eoib_result]
  hosts:
    description: The hosts to report on. When not given, every host of the play (C(ansible_play_hosts_all)), failed ones included.
    type: list
    elements: str
  formats:
    description: Which files to write, as C(<basename>.json), C(<basename>.md) and C(<basename>.xml).
    type: list
    elements: str
    choices: [json, markdown, junit]
    default: [json, markdown, junit]
  basename:
    description: The file name of the report files, without extension.
    type: str
    default: drift-report
  fail_on:
    description: Fail the task (after writing the report) when any object has one of these statuses.
    type: list
    elements: str
    choices: [drift, pending, failed]
    default: []
notes:
  - "Register the module results with C(failed_when: false), so that a failing object becomes part of the
    report instead of ending the host's play (the M(iofabric.core.fabric) role does)."
seealso:
  - module: iofabric.core.fabric_info
'''

EXAMPLES = r'''
- name: The iofabric.core.fabric declaration in check mode, then the report
  hosts: ib_hosts
  gather_facts: false
  tasks:
    - name: The whole host's declaration (the inventory's fabric_* variables), changing nothing
      ansible.builtin.import_role:
        name: iofabric.core.fabric
      vars:
        fabric_fail_on_failure: false
      check_mode: true

    - name: Write the report (to ~/.cache/iofabric/reports)
      iofabric.core.drift_report: {}
      register: report

- name: Module tasks of your own, in check mode, then the report
  hosts: ib_hosts
  gather_facts: false
  tasks:
    - name: VNICs
      iofabric.core.vnic_interface:
        config: "{{ my_vnics }}"
      check_mode: true
      failed_when: false
      register: my_vnics_drift

    - name: Write the report
      iofabric.core.drift_report:
        dest: /var/tmp/iofabric-reports
        results: [my_vnics_drift]
      register: report

    - name: Summary
      ansible.builtin.debug:
        msg: "{{ report.summary }}"
      run_once: true

- name: In CI, fail the job when anything drifted
  iofabric.core.drift_report:
    dest: reports
    fail_on: [drift, failed]
'''

RETURN = r'''
dest:
  description: The directory the report files were written to.
  returned: always
  type: str
  sample: /home/admin/.cache/iofabric/reports
files:
  description: The files written, by format.
  returned: always
  type: dict
  sample: {json: reports/drift-report.json, markdown: reports/drift-report.md, junit: reports/drift-report.xml}
status:
  description:
    - The worst status over all hosts, C(in_sync), C(pending), C(drift) or C(failed); C(nothing_declared)
      when no host declares any object.
  returned: always
  type: str
summary:
  description: The readable summary, a line per host and a line per object that is not in sync.
  returned: always
  type: list
  elements: str
  sample:
    - "IO fabric drift report: drift (7 in sync, 1 drift, 1 pending, 0 failed)"
    - "host1: drift, 7 in sync, 1 drift, 1 pending"
    - "  drift   qlgc veth1 [primary.dgid, primary.ioc_guid]: update-primary: primary path: hot swap of IOC ..."
report:
  description: The report itself, as written to the JSON file.
  returned: always
  type: dict
'''
