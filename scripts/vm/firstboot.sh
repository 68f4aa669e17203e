#!/bin/sh
# First boot of the plain image (init=this script, no systemd): partitions the SCSI disk and makes LVM on the
# partition (vg0/root) with the guest's own tools, and reports where vg0/root's extents start on the disk. The
# host then writes the root file system into those extents (build_image.py): copying 1 GB through an emulated
# guest takes minutes under TCG, and the host kernel has no device-mapper to do the LVM part itself.
set -eu
say() { echo "iofabric-firstboot: $*" > /dev/console; }
trap 'say "failed"' EXIT
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
# / stays read-only (the host writes this same file system into vg0/root afterwards): LVM gets a tmpfs /run.
mount -t tmpfs tmpfs /run
mkdir -p /run/lock/lvm
modprobe virtio_scsi; modprobe sd_mod; modprobe dm-mod
for _ in $(seq 1 100); do [ -b /dev/sda ] && break; sleep 0.2; done
[ -b /dev/sda ] || { say "no /dev/sda"; echo o > /proc/sysrq-trigger; }
export DM_DISABLE_UDEV=1 LVM_SYSTEM_DIR=/run/lvm-conf
mkdir -p "$LVM_SYSTEM_DIR"
printf 'devices {\n obtain_device_list_from_udev = 0\n}\nbackup {\n backup = 0\n archive = 0\n}\n' > "$LVM_SYSTEM_DIR/lvm.conf"
sfdisk --quiet /dev/sda <<PARTS
label: gpt
start=2048, type=E6D6D379-F507-44C2-A23C-238F2A3DF928, name=lvm
PARTS
for _ in $(seq 1 50); do [ -b /dev/sda1 ] && break; sleep 0.2; done
pvcreate -ff -y /dev/sda1
vgcreate vg0 /dev/sda1
# Root gets 3 GiB; the rest of vg0 stays free for the tests' own logical volumes.
lvcreate -y -Zn -L 3G -n root vg0
# "0 6291456 linear 8:1 2048": vg0/root is one linear segment starting 2048 sectors into sda1.
# shellcheck disable=SC2046 # the table's words are the positional parameters on purpose
set -- $(dmsetup table vg0-root)
if [ "$#" -ne 5 ] || [ "$3" != linear ]; then say "vg0/root is not one linear segment: $*"; exit 1; fi
start=$(cat /sys/block/sda/sda1/start)
say "root-offset-sectors $((start + $5)) size-sectors $2"
vgchange -an vg0 >/dev/null
sync
trap - EXIT
say "done"
echo o > /proc/sysrq-trigger
sleep 10
