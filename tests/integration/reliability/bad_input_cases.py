"""Malformed declarations, per module and for the role: (case id, module arguments, the field the message names).

Each case is one valid declaration with one thing wrong, so that the field named in the
expected message is the only possible culprit. The field is matched as a substring of the
task's message: the engine names fields as ``config[0].primary.ioc_guid``, Ansible's own
argument validation as ``ioc_guid ... config -> primary``; either way the field is there.
"""

from __future__ import annotations

S1 = 'EVIC in Chassis 0x00066a00db00001e, Slot 1, Ioc 1'
GUID = '00066a01de000070'
DGID = 'fe8000000000000000066a11de000070'

# Names and strings that would inject into a kernel create string, or are not kernel names.
BAD_NAMES = {
    'too-long': 'x' * 16, 'slash': 'a/b', 'space': 'a b', 'tab': 'a\tb', 'dot': '.', 'dotdot': '..',
    'unicode': 'v\u00ebth0', 'comma': 'a,b', 'quote': 'a"b', 'equals': 'a=b', 'newline': 'a\nb',
    'nul': 'a\x00b', 'empty': '', 'colon-inject': 'x,ioc_guid=0', 'dash': '-x',
}
BAD_IOC_STRINGS = {
    'quote': 'EVIC "1"', 'newline': 'EVIC\nname=evil', 'nul': 'EVIC\x00', 'too-long': 'E' * 65,
    'unicode': 'EVIC \u00e9', 'tab': 'EVIC\t1', 'quote-inject': S1 + '",name="evil', 'del': 'EVIC\x7f',
}
BAD_GUIDS = {
    'not-hex': 'xyz', 'too-long': '0x' + 'f' * 17, 'empty': '', 'letter-g': '00066a01de00007g', 'negative': '-1',
    'space': '0006 6a01', 'inject': 'ffff,name=x', 'newline': GUID + '\n',
}
BAD_GIDS = {
    'short': 'fe80', 'not-hex': 'g' * 32, 'double-colon': 'fe80::1::2', '31-digits': DGID[:-1],
    '33-digits': DGID + '0', 'nine-groups': 'fe80:0000:0000:0000:0002:c903:0000:10f5:1', 'inject': DGID + ',x=1',
}
BAD_PKEYS = {'too-big': '10000', 'not-hex': 'xyz', 'negative': '-1', 'inject': 'ffff,name=x', 'empty': ''}
BAD_MACS = {
    'multicast': '01:00:5e:00:00:01', 'zero': '00:00:00:00:00:00', 'broadcast': 'ff:ff:ff:ff:ff:ff',
    'not-hex': 'zz:zz:zz:zz:zz:zz', 'five-octets': '02:00:00:00:00', 'seven-octets': '02:00:00:00:00:00:01',
    'inject': '02:00:00:00:00:01,x', 'newline': '02:00:00:00:00:01\n',
}
BAD_ADDRESSES = {
    'three-parts': '1:0:3', 'five-parts': '1:0:3:0:0', 'letters': 'a:0:3:0', 'negative': '-1:0:3:0',
    'lun-letter': '1:0:3:x', 'too-big': '4294967296:0:0:0', 'newline': '1:0:3:0\n', 'empty': '',
    'empty-part': '1::3:0', 'inject': '1:0:3:0,1', 'space': '1:0:3: 0', 'wildcard': '1:0:-:0',
}


def qlgc(**changes) -> dict:
    item = {'type': 'qlgc', 'name': 'veth9', 'primary': {'ioc_string': S1, 'port': 1}}
    item.update(changes)
    return item


def path(**changes) -> dict:
    primary = {'ioc_string': S1, 'port': 1}
    primary.update(changes)
    return primary


def macvlan(**changes) -> dict:
    item = {'type': 'macvlan', 'name': 'vnic9', 'lower': 'eth1'}
    item.update(changes)
    return item


def state_rule_cases(item: dict) -> list:
    """The resource modules' state rules (entry/module.RESOURCE_RULES), one case each: what a state needs, and
    one source of configuration at a time."""
    return [
        ('replaced-without-config', {'state': 'replaced'}, 'config'),
        ('rendered-without-config', {'state': 'rendered'}, 'config'),
        ('parsed-without-running-config', {'state': 'parsed'}, 'running_config'),
        ('config-and-running-config-merged', {'config': [item], 'running_config': 'x'}, 'running_config'),
    ]


def vnic_cases() -> list:
    cases = []
    for label, value in BAD_NAMES.items():
        cases.append(('qlgc-name-' + label, {'config': [qlgc(name=value)]}, 'config[0].name'))
    for label, value in BAD_IOC_STRINGS.items():
        cases.append(('ioc-string-' + label, {'config': [qlgc(primary=path(ioc_string=value))]},
                      'config[0].primary.ioc_string'))
    for label, value in BAD_GUIDS.items():
        cases.append(('ioc-guid-' + label, {'config': [qlgc(primary=path(ioc_string=None, ioc_guid=value))]},
                      'config[0].primary.ioc_guid'))
        cases.append(('port-guid-' + label, {'config': [qlgc(primary={'ioc_string': S1, 'port_guid': value})]},
                      'config[0].primary.port_guid'))
    for label, value in BAD_GIDS.items():
        cases.append(('dgid-' + label, {'config': [qlgc(primary=path(ioc_string=None, ioc_guid=GUID, dgid=value))]},
                      'config[0].primary.dgid'))
    for label, value in BAD_PKEYS.items():
        cases.append(('pkey-' + label, {'config': [qlgc(primary=path(pkey=value))]}, 'config[0].primary.pkey'))
    cases += [
        ('secondary-ioc-string-quote', {'config': [qlgc(secondary=path(ioc_string='a"b'))]},
         'config[0].secondary.ioc_string'),
        ('secondary-dgid-short', {'config': [qlgc(secondary=path(ioc_string=None, ioc_guid=GUID, dgid='fe80'))]},
         'config[0].secondary.dgid'),
        ('dgid-without-guid', {'config': [qlgc(primary=path(dgid=DGID))]}, 'config[0].primary.dgid'),
        ('no-ioc-at-all', {'config': [qlgc(primary={'port': 1})]}, 'config[0].primary'),
        ('instance-256', {'config': [qlgc(primary=path(instance=256))]}, 'config[0].primary.instance'),
        ('instance-negative', {'config': [qlgc(primary=path(instance=-1))]}, 'config[0].primary.instance'),
        ('instance-not-int', {'config': [qlgc(primary=path(instance='one'))]}, 'instance'),
        ('port-not-int', {'config': [qlgc(primary=path(port='one'))]}, 'port'),
        ('port-zero', {'config': [qlgc(primary=path(port=0))]}, 'config[0].primary.port'),
        ('hca-slash', {'config': [qlgc(primary=path(hca='mlx4_0/..'))]}, 'config[0].primary.hca'),
        ('hca-comma', {'config': [qlgc(primary=path(hca='mlx4,0'))]}, 'config[0].primary.hca'),
        ('heartbeat-zero', {'config': [qlgc(heartbeat=0)]}, 'config[0].heartbeat'),
        ('heartbeat-6001', {'config': [qlgc(heartbeat=6001)]}, 'config[0].heartbeat'),
        ('heartbeat-negative', {'config': [qlgc(heartbeat=-5)]}, 'config[0].heartbeat'),
        ('rx-csum-not-bool', {'config': [qlgc(rx_csum='perhaps')]}, 'rx_csum'),
        ('qlgc-without-name', {'config': [{'type': 'qlgc', 'primary': path()}]}, 'config[0].name'),
        ('qlgc-with-lower', {'config': [qlgc(lower='eth1')]}, 'config[0].lower'),
        ('qlgc-with-mac', {'config': [qlgc(mac='02:00:00:00:00:01')]}, 'config[0].mac'),
        ('primary-is-a-number', {'config': [qlgc(primary=5)]}, 'config[0].primary'),
        ('primary-is-a-bool', {'config': [qlgc(primary=True)]}, 'config[0].primary'),
        ('primary-is-a-list', {'config': [qlgc(primary=[path()])]}, 'config[0].primary'),
        ('primary-is-a-word', {'config': [qlgc(primary='veth1')]}, 'config[0].primary'),
        ('config-item-a-number', {'config': [3]}, 'config[0]'),
        ('config-a-mapping', {'config': qlgc()}, 'config'),
        ('unknown-suboption', {'config': [qlgc(bogus=1)]}, 'bogus'),
        ('unknown-path-option', {'config': [qlgc(primary=path(bogus=1))]}, 'bogus'),
        ('unknown-option', {'config': [qlgc()], 'bogus': 1}, 'bogus'),
        ('unknown-type', {'config': [qlgc(type='vlan')]}, 'type'),
        ('no-type', {'config': [{'name': 'veth9', 'primary': path()}]}, 'type'),
        ('unknown-state', {'config': [qlgc()], 'state': 'present'}, 'state'),
        ('duplicate-name', {'config': [qlgc(), qlgc()]}, 'config[1].name'),
        ('duplicate-across-types', {'config': [qlgc(name='vnic9'), macvlan()]}, 'config[1].name'),
        ('duplicate-ioc-instance', {'config': [qlgc(name='veth8'), qlgc()]}, 'config[1].primary'),
        ('merged-without-config', {}, 'config'),
        ('connect-timeout-negative', {'config': [qlgc()], 'connect_timeout': -1}, 'connect_timeout'),
        ('config-and-running-config', {'config': [qlgc()], 'running_config': 'x', 'state': 'parsed'}, 'config'),
    ]
    for label, value in BAD_NAMES.items():
        if label in ('empty', 'colon-inject'):
            continue
        cases.append(('macvlan-name-' + label, {'config': [macvlan(name=value)]}, 'config[0].name'))
    for label, value in BAD_MACS.items():
        cases.append(('mac-' + label, {'config': [macvlan(mac=value)]}, 'config[0].mac'))
    cases += [
        ('lower-slash', {'config': [macvlan(lower='a/b')]}, 'config[0].lower'),
        ('lower-too-long', {'config': [macvlan(lower='x' * 16)]}, 'config[0].lower'),
        ('lower-missing', {'config': [{'type': 'macvlan', 'name': 'vnic9'}]}, 'config[0].lower'),
        ('mtu-zero', {'config': [macvlan(mtu=0)]}, 'config[0].mtu'),
        ('mtu-67', {'config': [macvlan(mtu=67)]}, 'config[0].mtu'),
        ('mtu-70000', {'config': [macvlan(mtu=70000)]}, 'config[0].mtu'),
        ('mtu-not-int', {'config': [macvlan(mtu='big')]}, 'mtu'),
        ('mode-unknown', {'config': [macvlan(mode='bogus')]}, 'mode'),
        ('macvlan-with-primary', {'config': [macvlan(primary=path())]}, 'config[0].primary'),
        ('macvlan-with-heartbeat', {'config': [macvlan(heartbeat=100)]}, 'config[0].heartbeat'),
        ('duplicate-macvlan-name', {'config': [macvlan(), macvlan()]}, 'config[1].name'),
    ]
    return cases + state_rule_cases(qlgc())


def fcoe_cases() -> list:
    cases = []
    for label, value in BAD_NAMES.items():
        cases.append(('interface-' + label, {'config': [{'interface': value}]}, 'config[0].interface'))
    cases += [
        ('vlan-4095', {'config': [{'interface': 'eth2.4095'}]}, 'config[0].interface'),
        ('vlan-zero', {'config': [{'interface': 'eth2.0'}]}, 'config[0].interface'),
        ('no-interface', {'config': [{'mode': 'fabric'}]}, 'interface'),
        ('mode-unknown', {'config': [{'interface': 'eth1', 'mode': 'loop'}]}, 'mode'),
        ('enabled-not-bool', {'config': [{'interface': 'eth1', 'enabled': 'maybe'}]}, 'enabled'),
        ('dcb-required-not-bool', {'config': [{'interface': 'eth1', 'dcb_required': 'maybe'}]}, 'dcb_required'),
        ('duplicate', {'config': [{'interface': 'eth1'}, {'interface': 'eth1'}]}, 'config[1]'),
        ('unknown-suboption', {'config': [{'interface': 'eth1', 'bogus': 1}]}, 'bogus'),
        ('unknown-option', {'config': [{'interface': 'eth1'}], 'bogus': 1}, 'bogus'),
        ('config-item-a-word', {'config': ['eth1']}, 'config[0]'),
        ('unknown-state', {'config': [{'interface': 'eth1'}], 'state': 'present'}, 'state'),
        ('fcoemon-policy-unknown', {'config': [{'interface': 'eth1'}], 'fcoemon_policy': 'fight'}, 'fcoemon_policy'),
        ('dcb-timeout-negative', {'config': [{'interface': 'eth1'}], 'dcb_timeout': -1}, 'dcb_timeout'),
        ('destroy-timeout-negative', {'config': [{'interface': 'eth1'}], 'destroy_timeout': -1}, 'destroy_timeout'),
        ('lock-timeout-word', {'config': [{'interface': 'eth1'}], 'lock_timeout': 'soon'}, 'lock_timeout'),
        ('deleted-without-config', {'state': 'deleted'}, 'config'),
    ]
    return cases + state_rule_cases({'interface': 'eth1'})


def sdi_cases() -> list:
    cases = [('address-' + label, {'config': [{'address': value}]}, 'config[0].address')
             for label, value in BAD_ADDRESSES.items()]
    good = '1:0:3:1'
    cases += [
        ('wwid-space', {'config': [{'address': good, 'wwid': 'naa 6001'}]}, 'config[0].wwid'),
        ('wwid-newline', {'config': [{'address': good, 'wwid': 'naa.6001\n'}]}, 'config[0].wwid'),
        ('vendor-too-long', {'config': [{'address': good, 'vendor': 'V' * 9}]}, 'config[0].vendor'),
        ('model-too-long', {'config': [{'address': good, 'model': 'M' * 17}]}, 'config[0].model'),
        ('serial-newline', {'config': [{'address': good, 'serial': 'abc\n'}]}, 'config[0].serial'),
        ('wwid-and-vendor', {'config': [{'address': good, 'wwid': 'naa.6001', 'vendor': 'NETAPP'}]}, 'config[0]'),
        ('force-not-bool', {'config': [{'address': good, 'force': 'please'}]}, 'force'),
        ('readd-not-bool', {'config': [{'address': good, 'readd': 'please'}]}, 'readd'),
        ('no-address', {'config': [{'wwid': 'naa.6001'}]}, 'address'),
        ('duplicate', {'config': [{'address': good}, {'address': good}]}, 'config[1]'),
        ('unknown-suboption', {'config': [{'address': good, 'bogus': 1}]}, 'bogus'),
        ('unknown-option', {'config': [{'address': good}], 'bogus': 1}, 'bogus'),
        ('config-item-a-word', {'config': [good]}, 'config[0]'),
        ('unknown-state', {'config': [{'address': good}], 'state': 'present'}, 'state'),
        ('attach-timeout-negative', {'config': [{'address': good}], 'attach_timeout': -1}, 'attach_timeout'),
        ('remove-timeout-word', {'config': [{'address': good}], 'remove_timeout': 'soon'}, 'remove_timeout'),
    ]
    return cases + state_rule_cases({'address': good})


def eoib_cases() -> list:
    cases = [('parent-' + label, {'parents': [value]}, 'parents[0]')
             for label, value in BAD_NAMES.items() if label not in ('empty',)]
    cases += [
        ('parent-empty', {'parents': ['']}, 'parents'),
        ('all-and-names', {'parents': ['all', 'eth4']}, 'parents'),
        ('parent-twice', {'parents': ['eth4', 'eth4']}, 'parents'),
        ('source-unknown', {'source': ['nfs']}, 'source'),
        ('source-auto-and-more', {'source': ['auto', 'libvirt']}, 'source'),
        ('grace-number', {'grace': 1}, 'grace'),
        ('grace-bool', {'grace': True}, 'grace'),
        ('grace-word', {'grace': 'soon'}, 'grace'),
        ('grace-seconds-negative', {'grace': {'seconds': -1}}, 'grace.seconds'),
        ('grace-seconds-too-long', {'grace': {'seconds': 30 * 86400 + 1}}, 'grace.seconds'),
        ('grace-observations-zero', {'grace': {'observations': 0}}, 'grace.observations'),
        ('grace-unknown', {'grace': {'minutes': 2}}, 'minutes'),
        ('confirm-timeout-negative', {'confirm_timeout': -1}, 'confirm_timeout'),
        ('confirm-timeout-601', {'confirm_timeout': 601}, 'confirm_timeout'),
        ('libvirt-uri-words', {'libvirt_uri': 'not a uri'}, 'libvirt_uri'),
        ('libvirt-uri-space', {'libvirt_uri': 'qemu:///sys tem'}, 'libvirt_uri'),
        ('libvirt-uri-newline', {'libvirt_uri': 'qemu:///system\n'}, 'libvirt_uri'),
        ('vendor-state-unknown', {'vendor_daemon': {'state': 'loud'}}, 'state'),
        ('vendor-interval-zero', {'vendor_daemon': {'state': 'collector_on', 'interval': 0}},
         'vendor_daemon.interval'),
        ('vendor-log-file-relative', {'vendor_daemon': {'state': 'collector_on', 'log_file': 'var/log/x'}},
         'vendor_daemon.log_file'),
        ('vendor-log-file-space', {'vendor_daemon': {'state': 'collector_on', 'log_file': '/var/log/a b'}},
         'vendor_daemon.log_file'),
        ('vendor-log-file-inject', {'vendor_daemon': {'state': 'collector_on', 'log_file': '/x gc_enable=yes'}},
         'vendor_daemon.log_file'),
        ('vendor-log-level-unknown', {'vendor_daemon': {'state': 'collector_on', 'log_level': 'loud'}}, 'log_level'),
        ('vendor-unmanaged-with-interval', {'vendor_daemon': {'state': 'unmanaged', 'interval': 5}},
         'vendor_daemon.interval'),
        ('vendor-daemon-number', {'vendor_daemon': 5}, 'vendor_daemon'),
        ('unknown-option', {'bogus': 1}, 'bogus'),
        ('lock-timeout-word', {'lock_timeout': 'soon'}, 'lock_timeout'),
    ]
    return cases


def info_cases() -> list:
    return [
        ('kinds-unknown', {'kinds': ['vlan']}, 'kinds'),
        ('kinds-a-number', {'kinds': 5}, 'kinds'),
        ('lock-timeout-word', {'lock_timeout': 'soon'}, 'lock_timeout'),
        ('unknown-option', {'bogus': 1}, 'bogus'),
    ]


# The role: (case id, role variables, the variable the message names).
def role_cases() -> list:
    return [
        ('state-unknown', {'reconciler_state': 'gone'}, 'reconciler_state'),
        ('kinds-unknown', {'reconciler_kinds': ['vlan']}, 'reconciler_kinds'),
        ('kinds-a-word', {'reconciler_kinds': 5}, 'reconciler_kinds'),
        ('dependencies-unknown', {'reconciler_dependencies': 'conda'}, 'reconciler_dependencies'),
        ('timer-not-bool', {'reconciler_timer': 'maybe'}, 'reconciler_timer'),
        ('watch-not-bool', {'reconciler_watch': 'maybe'}, 'reconciler_watch'),
        ('lock-timeout-word', {'reconciler_lock_timeout': 'soon'}, 'reconciler_lock_timeout'),
        ('watch-poll-word', {'reconciler_watch_poll': 'soon'}, 'reconciler_watch_poll'),
        ('watch-interval-word', {'reconciler_watch_interval': 'soon'}, 'reconciler_watch_interval'),
        ('sysroot-relative', {'reconciler_sysroot': 'srv/fabric'}, 'reconciler_sysroot'),
        ('sysroot-quote', {'reconciler_sysroot': '/srv/a"b'}, 'reconciler_sysroot'),
        ('netns-space', {'reconciler_netns': 'a b'}, 'reconciler_netns'),
        ('netns-slash', {'reconciler_netns': '../x'}, 'reconciler_netns'),
        ('interval-words', {'reconciler_interval': 'every five minutes'}, 'reconciler_interval'),
        ('boot-delay-newline', {'reconciler_boot_delay': '2min\nExecStart=/bin/sh'}, 'reconciler_boot_delay'),
        ('randomized-delay-words', {'reconciler_randomized_delay': 'some'}, 'reconciler_randomized_delay'),
        ('persistent-not-bool', {'reconciler_persistent': 'maybe'}, 'reconciler_persistent'),
        ('accuracy-words', {'reconciler_accuracy': 'exactly'}, 'reconciler_accuracy'),
        ('calendar-newline', {'reconciler_calendar': 'daily\nExecStart=/bin/sh'}, 'reconciler_calendar'),
        ('prefix-space', {'reconciler_prefix': '/usr/local bin'}, 'reconciler_prefix'),
        ('prefix-relative', {'reconciler_prefix': 'usr/local'}, 'reconciler_prefix'),
        ('python-newline', {'reconciler_python': '/usr/bin/python3\nimport os'}, 'reconciler_python'),
        ('sysroot-backslash', {'reconciler_sysroot': '/srv/a\\b'}, 'reconciler_sysroot'),
        ('packages-into-another-root', {'reconciler_dependencies': 'packages'}, 'reconciler_dependencies'),
    ]


MODULES = {
    'vnic_interface': vnic_cases,
    'fcoe_interface': fcoe_cases,
    'sdi_device': sdi_cases,
    'eoib_gc': eoib_cases,
    'fabric_info': info_cases,
}
