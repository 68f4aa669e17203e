import errno

import pytest

from fabricsim import vfs
from fabricsim.clock import ManualClock
from fabricsim.faults import FaultTable, errno_value


def test_faults_fire_by_glob_and_count():
    table = FaultTable()
    fault = table.add(kind='path', target='/sys/x/*', op='write', errno=errno.EBUSY, count=2)
    assert table.for_path('read', '/sys/x/a') == 0
    assert table.for_path('write', '/sys/x/a') == errno.EBUSY
    assert table.for_path('write', '/sys/x/b') == errno.EBUSY
    assert table.for_path('write', '/sys/x/c') == 0
    assert fault.fired == 2 and table.faults == []


def test_read_faults_count_failed_reads_not_requests():
    table = FaultTable()
    table.add(kind='path', target='/sys/a', op='read', errno=errno.EIO, count=1)
    assert table.for_path('read', '/sys/a') == errno.EIO   # the read(2)
    assert table.for_path('read', '/sys/a') == errno.EIO   # the kernel's retry of the same read
    assert table.for_path('read', '/sys/a') == 0


def test_errno_names():
    assert errno_value('ENODEV') == errno.ENODEV and errno_value('5') == 5 and errno_value(22) == 22
    with pytest.raises(ValueError):
        errno_value('ENOPE')


def test_manual_clock_runs_due_callbacks_in_order():
    clock, seen = ManualClock(), []
    clock.schedule(0.5, lambda: seen.append('b'))
    clock.schedule(0.1, lambda: seen.append('a'))
    clock.schedule(5, lambda: seen.append('c'))
    clock.advance(1)
    assert seen == ['a', 'b'] and clock.pending == 1
    clock.settle()
    assert seen == ['a', 'b', 'c']


def test_vfs_lookup_resolve_and_modes():
    root = vfs.Dir()
    root.mount('sys/devices/d0/attr', vfs.text_attr(lambda: 'v'))
    root.mount('sys/class/c/d0', vfs.Link('../../devices/d0'))
    assert vfs.resolve(root, '/sys/class/c/d0/attr').read() == b'v\n'
    assert isinstance(vfs.lookup(root, '/sys/class/c/d0'), vfs.Link)
    with pytest.raises(OSError) as info:
        vfs.lookup(root, '/sys/none')
    assert info.value.errno == errno.ENOENT
    assert vfs.Attr(write=lambda d: None).mode == 0o200 and vfs.text_attr(lambda: 1).mode == 0o444
