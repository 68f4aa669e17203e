#!/bin/sh
# Run as root in the guest before each test: take down what tests create (names start with iof), keep the root disk.
set +e
awk '$2 ~ "^/mnt/iof" {print $2}' /proc/mounts | sort -r | while read -r mnt; do umount -l "$mnt"; done
swapoff -a
for dev in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^iof/ {print $1}'); do dmsetup remove --force "$dev"; done
for lv in $(lvs --noheadings -o lv_name vg0 2>/dev/null | awk '$1 != "root" {print $1}'); do lvremove -fy "vg0/$lv" >/dev/null; done
if [ -w /sys/bus/fcoe/ctlr_destroy ]; then
    for net in /sys/class/net/*; do echo "${net##*/}" > /sys/bus/fcoe/ctlr_destroy 2>/dev/null; done
fi
for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^iof'); do ip link del "$link" 2>/dev/null; done
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^iof/ {print $1}'); do ip netns del "$ns"; done
for net in ens4 ens5 ens6; do ip link set "$net" nomaster 2>/dev/null; ip link set "$net" up 2>/dev/null; done
systemctl stop iofhold 2>/dev/null; systemctl reset-failed iofhold 2>/dev/null
rm -f /dev/iof*
# The collection's state and config files from earlier tests (the guest is only ever managed by these tests).
rm -rf /var/lib/iofabric /etc/fcoe/cfg-* /srv/iof*
modprobe -r scsi_debug 2>/dev/null
true
