#!/bin/sh
# First boot of the plain image (init=this script, no systemd): moves the root onto LVM on a partition of the
# SCSI disk, so that the final image's / sits under a real dm stack (the host kernel has no device-mapper).
set -eu
say() { echo "iofabric-firstboot: $*" > /dev/console; }
trap 'say "failed"' EXIT
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mount -o remount,rw /
modprobe virtio_scsi; modprobe sd_mod; modprobe dm-mod
for _ in $(seq 1 100); do [ -b /dev/sda ] && break; sleep 0.2; done
[ -b /dev/sda ] || { say "no /dev/sda"; echo o > /proc/sysrq-trigger; }
export DM_DISABLE_UDEV=1
LVM="--config devices/obtain_device_list_from_udev=0"
sfdisk --quiet /dev/sda <<PARTS
label: gpt
start=2048, type=E6D6D379-F507-44C2-A23C-238F2A3DF928, name=lvm
PARTS
for _ in $(seq 1 50); do [ -b /dev/sda1 ] && break; sleep 0.2; done
pvcreate $LVM -ff -y /dev/sda1
vgcreate $LVM vg0 /dev/sda1
# Root gets 3 GiB; the rest of vg0 stays free for the tests' own logical volumes.
lvcreate $LVM -y -L 3G -n root vg0
vgmknodes $LVM vg0
mkfs.ext4 -q -L root /dev/mapper/vg0-root
mkdir -p /mnt/newroot
mount /dev/mapper/vg0-root /mnt/newroot
cp -ax /. /mnt/newroot/
echo "/dev/mapper/vg0-root / ext4 errors=remount-ro 0 1" > /mnt/newroot/etc/fstab
rm -f /mnt/newroot/usr/local/sbin/iofabric-firstboot
umount /mnt/newroot
vgchange $LVM -an vg0
sync
trap - EXIT
say "done"
echo o > /proc/sysrq-trigger
sleep 10
