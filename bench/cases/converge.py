"""Batch converge: one task declaring N objects, against the same module per item (loop:), against
what a user writes today (a shell task per item), and against the floor (one ping task).

Per kind: the batch task at its sizes, first run and re-run, repeated; the loop and shell
baselines at two small sizes, their time per item fitted and extrapolated to the batch sizes
(running them at 1,024 would take a quarter of an hour each; both measured points are kept in
latest.json, and the fit is stated in the report). A loop's time is linear in its items: each
item is one module run, start to end.
"""

from __future__ import annotations

from bench.lib import declare
from bench.lib.fabric import SimHost
from bench.lib.measure import Stats, linear_fit, quiesce
from bench.lib.plays import playbook, write

QLGC = '/sys/class/infiniband_qlgc_vnic'


def _qlgc_shell(root: str, count: int) -> list:
    items = declare.qlgc_kernel(count)
    cfg = ''.join('{CREATE; NAME="%s";\n\tPRIMARY={IOCGUID=%s; INSTANCE=0; PORT=1; }\n}\n' % (
        item['name'], item['create'].split(',')[0].split('=')[1]) for item in items)
    directory = {'path': root + '/etc/infiniband', 'state': 'directory', 'mode': '0755'}
    create = {'cmd': "printf '%s' '{{ item.create }}' > " + root + QLGC + '/{{ item.dir }}/create_primary',
              'creates': root + QLGC + '/interfaces/{{ item.name }}'}
    persist = {'content': cfg, 'mode': '0644', 'dest': root + '/etc/infiniband/qlgc_vnic.cfg'}
    return [{'name': 'the cfg directory', 'ansible.builtin.file': directory},
            {'name': 'create each VNIC', 'ansible.builtin.shell': create, 'loop': items,
             'loop_control': {'label': '{{ item.name }}'}},
            {'name': 'persist', 'ansible.builtin.copy': persist}]


def _fcoe_shell(root: str, count: int) -> list:
    return [{'name': 'the cfg directory', 'ansible.builtin.file': {'path': root + '/etc/fcoe', 'state': 'directory',
                                                                   'mode': '0755'}},
            {'name': 'create each FCoE interface', 'ansible.builtin.shell': {
                'cmd': "printf '%s' {{ item }} > " + root + '/sys/bus/fcoe/ctlr_create && printf \'FCOE_ENABLE="yes"'
                       '\\nDCB_REQUIRED="yes"\\n\' > ' + root + '/etc/fcoe/cfg-{{ item }}',
                'creates': root + '/etc/fcoe/cfg-{{ item }}'}, 'loop': ['fc%d' % n for n in range(count)]}]


def _sdi_shell(root: str, count: int) -> list:
    return [{'name': 'scan each LUN', 'ansible.builtin.shell': {
        'cmd': "printf '0 {{ item.0 }} {{ item.1 }}' > " + root + '/sys/class/scsi_host/host1/scan',
        'creates': root + '/sys/class/scsi_device/1:0:{{ item.0 }}:{{ item.1 }}'},
        'loop': [list(divmod(n, 128)) for n in range(count)]}]


def _eoib_shell(root: str, count: int) -> list:
    macs = [['%d' % (parent + 1), '52:54:01:%02x:%02x:%02x' % (parent, child // 256, child % 256)]
            for parent in range(32) for child in range(128)][:count]
    return [{'name': 'remove each gone MAC', 'ansible.builtin.shell': {
        'cmd': "printf -- '-{{ item.1 }}' > " + root + '/sys/module/mlx4_vnic/vnic{{ item.0 }}-child'},
        'loop': macs}]


GRACE_NONE = {'seconds': 0, 'observations': 1}
# Per kind: its scenario, the batch sizes, the sizes the loop and shell baselines run at, the batch
# task's arguments, the items of the loop, and one loop item's arguments.
KINDS = {
    'qlgc': {
        'scenario': 'large', 'module': 'iofabric.core.vnic_interface', 'unit': 'qlgc VNICs',
        'sizes': (64, 256, 1024), 'loop_sizes': (2, 8), 'shell_sizes': (4, 16),
        'batch': lambda n: {'config': declare.qlgc(n)}, 'items': declare.qlgc,
        'item': lambda item: {'config': [item]}, 'shell': _qlgc_shell},
    'fcoe': {
        'scenario': 'bench_fcoe', 'module': 'iofabric.core.fcoe_interface', 'unit': 'FCoE interfaces',
        'sizes': (256,), 'loop_sizes': (2, 8), 'shell_sizes': (4, 16),
        'batch': lambda n: {'config': declare.fcoe(n)}, 'items': declare.fcoe,
        'item': lambda item: {'config': [item]}, 'shell': _fcoe_shell},
    'sdi': {
        'scenario': 'bench_scsi', 'module': 'iofabric.core.sdi_device', 'unit': 'LUNs',
        'sizes': (1024,), 'loop_sizes': (2, 8), 'shell_sizes': (4, 16),
        'batch': lambda n: {'config': declare.luns(n)}, 'items': declare.luns,
        'item': lambda item: {'config': [item]}, 'shell': _sdi_shell},
    # The loop for EoIB is per parent (128 child MACs each); the shell baseline, per MAC.
    'eoib': {
        'scenario': 'bench_eoib', 'module': 'iofabric.core.eoib_gc', 'unit': 'child MACs',
        'sizes': (4096,), 'loop_sizes': (256, 1024), 'shell_sizes': (8, 32),
        'batch': lambda n: {'parents': ['all'], 'source': ['bridge'], 'grace': GRACE_NONE},
        'items': lambda n: declare.eoib_parents(max(1, n // 128)),
        'item': lambda parent: {'parents': [parent], 'source': ['bridge'], 'grace': GRACE_NONE},
        'shell': _eoib_shell},
}


def floor(repeats: int) -> dict:
    path = write('floor', [{'name': 'ping', 'ansible.builtin.ping': {}}])
    stats = Stats()
    for _number in range(repeats):
        stats.add(playbook(path)['seconds'])
    return stats.as_dict()


def _two_runs(host: SimHost, path: str) -> tuple:
    host.reset()
    quiesce(quiet=0.2)   # a reset recreates the scenario's links; the kernel's share of that is not ours
    first, rerun = playbook(path), playbook(path)
    return first, rerun


def measure_kind(name: str, repeats: int, quick: bool = False) -> dict:
    kind = KINDS[name]
    sizes = kind['sizes'][-1:] if quick else kind['sizes']
    host = SimHost('converge-' + name, kind['scenario']).up()
    defaults = {'sysroot': host.root, 'netns': host.netns}
    result = {'kind': name, 'unit': kind['unit'], 'scenario': kind['scenario'], 'batch': {}, 'loop': {}, 'shell': {}}
    try:
        for size in sizes:
            path = write('batch-%s-%d' % (name, size), [{'name': 'batch', kind['module']: kind['batch'](size)}],
                         defaults=defaults)
            first, rerun = Stats(), Stats()
            changed = []
            for _number in range(repeats):
                one, two = _two_runs(host, path)
                first.add(one['seconds'])
                rerun.add(two['seconds'])
                changed.append((one['changed'], two['changed']))
            result['batch'][size] = {'first': first.as_dict(), 'rerun': rerun.as_dict(),
                                     'rerun_changed': max(two for _one, two in changed),
                                     'first_changed': min(one for one, _two in changed)}
        for label, tasks in (('loop', lambda n: [{'name': 'per item', kind['module']: '{{ item }}',
                                                 'loop': [kind['item'](item) for item in kind['items'](n)]}]),
                             ('shell', lambda n: kind['shell'](host.root, n))):
            points = []   # the targets compare first runs; a baseline's re-run is not measured (time)
            for size in kind[label + '_sizes']:
                path = write('%s-%s-%d' % (label, name, size), tasks(size), defaults=defaults)
                host.reset()
                quiesce(quiet=0.2)
                points.append((size, playbook(path)['seconds']))
                result[label]['measured_%d' % size] = {'first': round(points[-1][1], 3)}
            intercept, slope = linear_fit(points)
            result[label]['fit_first'] = {'intercept': round(intercept, 3), 'per_item': round(slope, 4)}
            for size in sizes:
                result[label].setdefault('estimated', {})[size] = {'first': round(intercept + slope * size, 2)}
    finally:
        host.down()
    return result
