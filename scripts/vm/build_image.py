"""Build (or reuse) the VM lane's Debian 12 disk image: / on LVM on a partition of a SCSI disk.

Recipe: RECIPE_FILES and the suite (their hash is the cache key). Steps: mmdebstrap a minbase tree with the
packages of recipe.txt, configure it (guest-setup.sh), make a plain ext4 image of it (mke2fs -d), boot that
once with firstboot.sh as init: it makes vg0/root on /dev/sda1 of a virtio-scsi disk and reports where the LV's
extents lie; the root file system is then written there from the host (resize2fs to the LV's size, dd). The result, in
~/.cache/iofabric/vm/<key>/: disk.qcow2 (never modified by tests: they boot an overlay), vmlinuz, initrd.img,
build.json (timings). Debian packages (mmdebstrap, e2fsprogs, qemu-system-x86, qemu-utils) and, from PyPI, the
pure-Python libraries of python-requirements.txt that Debian 12 ships too old.
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = 'bookworm'
DISK_SIZE = '8G'
DISK_BYTES = 8 << 30
FIRSTBOOT_TIMEOUT = 600
# What the image is made of: a change to one of these is a new cache key (a rebuild).
RECIPE_FILES = ('recipe.txt', 'python-requirements.txt', 'guest-setup.sh', 'firstboot.sh')


def recipe_key() -> str:
    digest = hashlib.sha256(('%s %s\0' % (SUITE, DISK_SIZE)).encode())
    for name in RECIPE_FILES:
        digest.update(name.encode() + b'\0')
        with open(os.path.join(HERE, name), 'rb') as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def cache_root() -> str:
    base = os.environ.get('IOFABRIC_VM_CACHE') or os.path.join(os.path.expanduser('~'), '.cache', 'iofabric', 'vm')
    return base


def image_dir() -> str:
    return os.path.join(cache_root(), recipe_key())


def packages() -> list[str]:
    with open(os.path.join(HERE, 'recipe.txt'), encoding='utf-8') as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith('#')]


def log(message: str) -> None:
    print('build-image: ' + message, file=sys.stderr, flush=True)


def run(argv: list[str], **kwargs) -> None:
    log(' '.join(argv) if len(argv) < 12 else ' '.join(argv[:6]) + ' ...')
    subprocess.run(argv, check=True, **kwargs)


def debootstrap(tree: str) -> None:
    setup = os.path.join(HERE, 'guest-setup.sh')
    firstboot = os.path.join(HERE, 'firstboot.sh')
    run(['mmdebstrap', '--variant=minbase', '--mode=root', '--include=' + ','.join(packages()),
         '--customize-hook=cp %s "$1/tmp/guest-setup.sh" && chroot "$1" sh /tmp/guest-setup.sh && rm "$1/tmp/guest-setup.sh"' % setup,
         '--customize-hook=install -m 0755 %s "$1/usr/local/sbin/iofabric-firstboot"' % firstboot,
         '--customize-hook=%s -m pip install -q --no-deps --target "$1/usr/local/lib/python3.11/dist-packages" -r %s'
         % (sys.executable, os.path.join(HERE, 'python-requirements.txt')),
         '--customize-hook=rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*',
         SUITE, tree])


def kernel_files(tree: str, into: str) -> None:
    kernels = sorted(glob.glob(os.path.join(tree, 'boot', 'vmlinuz-*')))
    initrds = sorted(glob.glob(os.path.join(tree, 'boot', 'initrd.img-*')))
    if not kernels or not initrds:
        raise SystemExit('build-image: no kernel or initrd in the tree\'s /boot')
    shutil.copyfile(kernels[-1], os.path.join(into, 'vmlinuz'))
    shutil.copyfile(initrds[-1], os.path.join(into, 'initrd.img'))


def plain_image(tree: str, path: str) -> None:
    used = int(subprocess.run(['du', '-sxm', tree], capture_output=True, text=True, check=True).stdout.split()[0])
    run(['mke2fs', '-q', '-t', 'ext4', '-L', 'plain', '-d', tree, path, '%dM' % (used + 512)])


def first_boot(work: str, accel: str) -> tuple[int, int]:
    """Boot the plain image once; firstboot.sh partitions the SCSI disk and makes vg0/root.
    Returns vg0/root's (start, size) on the disk, in 512-byte sectors."""
    console = os.path.join(work, 'firstboot-console.log')
    argv = ['qemu-system-x86_64', '-accel', accel, '-m', '1024', '-smp', '2', '-cpu', 'max', '-nodefaults',
            '-display', 'none', '-no-reboot', '-serial', 'file:' + console,
            '-kernel', os.path.join(work, 'vmlinuz'), '-initrd', os.path.join(work, 'initrd.img'),
            '-append', 'root=/dev/vda ro console=ttyS0 init=/usr/local/sbin/iofabric-firstboot panic=-1 quiet',
            '-drive', 'file=%s,format=raw,if=virtio' % os.path.join(work, 'plain.img'),
            '-device', 'virtio-scsi-pci,id=scsi0',
            '-drive', 'if=none,id=root,format=raw,file=' + os.path.join(work, 'disk.raw'),
            '-device', 'scsi-hd,drive=root,bus=scsi0.0']
    log('first boot (%s), console in %s' % (accel, console))
    try:
        subprocess.run(argv, check=True, timeout=FIRSTBOOT_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SystemExit('build-image: first boot did not finish in %d s; console tail:\n%s'
                         % (FIRSTBOOT_TIMEOUT, tail(console)))
    text = tail(console, 200000)
    found = re.search(r'iofabric-firstboot: root-offset-sectors (\d+) size-sectors (\d+)', text)
    if 'iofabric-firstboot: done' not in text or not found:
        raise SystemExit('build-image: first boot failed; console tail:\n' + tail(console))
    return int(found.group(1)), int(found.group(2))


def write_root(work: str, start: int, size: int) -> None:
    """The plain file system, grown to vg0/root's size, into vg0/root's extents on the disk; then qcow2."""
    plain = os.path.join(work, 'plain.img')
    run(['debugfs', '-w', '-R', 'rm /usr/local/sbin/iofabric-firstboot', plain], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    if subprocess.run(['e2fsck', '-fy', plain], stdout=subprocess.DEVNULL, check=False).returncode > 1:
        raise SystemExit('build-image: e2fsck found errors it could not fix in ' + plain)
    run(['resize2fs', '-f', plain, '%ds' % size], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run(['dd', 'if=' + plain, 'of=' + os.path.join(work, 'disk.raw'), 'bs=4M', 'seek=%d' % (start * 512),
         'oflag=seek_bytes', 'conv=notrunc,sparse,fsync', 'status=none'])
    run(['qemu-img', 'convert', '-O', 'qcow2', os.path.join(work, 'disk.raw'), os.path.join(work, 'disk.qcow2')])
    os.unlink(os.path.join(work, 'disk.raw'))


def tail(path: str, size: int = 4000) -> str:
    try:
        with open(path, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - size))
            return handle.read().decode('utf-8', 'replace')
    except OSError:
        return '(no console log)'


def build(target: str) -> dict:
    work = target + '.build'
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    figures = {}
    start = time.monotonic()
    tree = os.path.join(work, 'tree')
    debootstrap(tree)
    figures['mmdebstrap_s'] = round(time.monotonic() - start, 1)
    kernel_files(tree, work)
    mark = time.monotonic()
    plain_image(tree, os.path.join(work, 'plain.img'))
    shutil.rmtree(tree)
    figures['mke2fs_s'] = round(time.monotonic() - mark, 1)
    with open(os.path.join(work, 'disk.raw'), 'wb') as disk:
        disk.truncate(DISK_BYTES)
    mark = time.monotonic()
    start_sector, size_sectors = first_boot(work, os.environ.get('IOFABRIC_VM_ACCEL', 'tcg'))
    figures['first_boot_s'] = round(time.monotonic() - mark, 1)
    mark = time.monotonic()
    write_root(work, start_sector, size_sectors)
    figures['write_root_s'] = round(time.monotonic() - mark, 1)
    os.unlink(os.path.join(work, 'plain.img'))
    figures['total_s'] = round(time.monotonic() - start, 1)
    figures['recipe'] = recipe_key()
    with open(os.path.join(work, 'build.json'), 'w', encoding='utf-8') as handle:
        json.dump(figures, handle, indent=1)
    os.rename(work, target)
    return figures


def ensure() -> str:
    """The cached image's directory, built first if missing; one builder at a time (a lock beside the cache)."""
    if os.environ.get('IOFABRIC_VM_IMAGE'):
        return os.environ['IOFABRIC_VM_IMAGE']  # a given image directory (debugging a recipe): used as is
    target = image_dir()
    os.makedirs(cache_root(), exist_ok=True)
    with open(os.path.join(cache_root(), '.lock'), 'w', encoding='utf-8') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(target, 'build.json')):
            log('building %s' % target)
            log('figures: %s' % json.dumps(build(target)))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--print-dir', action='store_true', help='print the cache directory, build nothing')
    args = parser.parse_args()
    if args.print_dir:
        print(image_dir())
        return 0
    print(ensure())
    return 0


if __name__ == '__main__':
    sys.exit(main())
