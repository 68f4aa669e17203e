"""fabricsim/fuse_mount: which kernels let failed lookups be cached (FUSE_NOTIFY_INC_EPOCH, Linux 6.16)."""

import pytest

from fabricsim.fuse_mount import kernel_has_epoch


@pytest.mark.parametrize('release, has', [
    ('6.18.44-fc-v1045', True), ('6.16.0', True), ('7.0.1-arch1', True), ('6.15.9-200.fc42.x86_64', False),
    ('5.15.0-91-generic', False), ('6', False), ('garbage', False), ('6.x', False)])
def test_the_epoch_notification_is_used_from_linux_6_16(release, has):
    assert kernel_has_epoch(release) is has
