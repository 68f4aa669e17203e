#!/bin/sh
# Runs inside the mmdebstrap tree (chroot): the guest's users, network, SSH key hand-over and quiet boot.
set -eu
echo iofabric-vm > /etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 iofabric-vm\n' > /etc/hosts
# An unprivileged admin who logs in by key and becomes root with sudo, as on a real host.
useradd -m -s /bin/bash admin
echo 'admin ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/admin
chmod 0440 /etc/sudoers.d/admin
passwd -d root
# / is vg0/root once firstboot.sh has made it (the plain image boots with root= on the command line).
echo '/dev/mapper/vg0-root / ext4 errors=remount-ro 0 1' > /etc/fstab
# DHCP on the management NIC only (QEMU user networking, PCI slot 3); the other NICs are the tests'.
mkdir -p /etc/systemd/network
printf '[Match]\nName=ens3\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=no\n' > /etc/systemd/network/10-mgmt.network
systemctl enable systemd-networkd
# The per-run public key comes on the kernel command line (iofabric.sshkey=<base64 of an ed25519 key>).
cat > /usr/local/sbin/iofabric-sshkey <<'KEY'
#!/bin/sh
set -eu
for word in $(cat /proc/cmdline); do
    case "$word" in iofabric.sshkey=*) key="${word#iofabric.sshkey=}" ;; esac
done
[ -n "${key:-}" ] || exit 0
install -d -m 0700 -o admin -g admin /home/admin/.ssh
echo "ssh-ed25519 $key iofabric-test" > /home/admin/.ssh/authorized_keys
chown admin:admin /home/admin/.ssh/authorized_keys
chmod 0600 /home/admin/.ssh/authorized_keys
KEY
chmod 0755 /usr/local/sbin/iofabric-sshkey
cat > /etc/systemd/system/iofabric-sshkey.service <<'UNIT'
[Unit]
Description=Install the test run's SSH key from the kernel command line
Before=ssh.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/iofabric-sshkey
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable iofabric-sshkey.service
# A quiet, fast boot under TCG: no periodic maintenance jobs racing the tests.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer \
            e2scrub_reap.service lvm2-monitor.service; do
    systemctl mask "$unit" 2>/dev/null || true
done
echo 'GRUB_DISABLE=true' > /dev/null
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\n' > /etc/systemd/journald.conf.d/volatile.conf
