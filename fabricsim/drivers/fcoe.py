"""The software FCoE transport (fcoe, libfcoe) and the FC hosts it creates.

Facts: ../shared/reference/fcoe_dcb.md §2. Bus interface /sys/bus/fcoe (ctlr_create,
ctlr_destroy, devices/ctlr_N), the controllers under their net device, fc_host attributes,
the legacy /sys/module/libfcoe/parameters files. Create fails with ENODEV on a missing
netdev and EEXIST on a second instance; destroy unmaps the netdev at once (a create may
follow) and removes the instance asynchronously. With the controller enabled and its link
up, FIP discovery finds the scenario's FCF and the host logs in (asynchronously) and shows
Online. Linux 6.1 is the judge (drivers/scsi/fcoe/fcoe_sysfs.c, fcoe_transport.c, fcoe.c,
libfc/fc_lport.c, scsi_transport_fc.c), measured on Debian's 6.1 kernel.
"""

from __future__ import annotations

import errno
import itertools

from fabricsim import kparse, vfs

BUS = '/sys/bus/fcoe'
LEGACY = '/sys/module/libfcoe/parameters'
# fcoe_destroy() queues destroy_work; on 6.1 the instance was gone 0.4 ms after the write returned.
DESTROY_DELAY = 0.0005
LOGIN_DELAY = 0.05
FCOE_VERSION = '0.1'
MODE_NAMES = ('Unknown', 'Fabric', 'VN2VN')   # fip_conn_type_names[]: index 0 is FIP_CONN_TYPE_UNKNOWN
FCOE_MAX_MODENAME_LEN = 20
LESB = ('link_fail', 'vlink_fail', 'miss_fka', 'symb_err', 'err_block', 'fcs_error')
NO_PORT_ID = 0xffffffff        # fc_host port_id as scsi_transport_fc sets it up (-1), until a first login
USHRT_MAX = 65535              # fcoe_if_create(): fc_host_max_npiv_vports = USHRT_MAX
FCOE_HEADERS = 14 + 8          # sizeof(struct fcoe_hdr) + sizeof(struct fcoe_crc_eof)
FC_FRAME_HEADER = 24
FC_MAX_FRAME = 2112 + FC_FRAME_HEADER
# fcoe_shost_config(): FCOE_MAX_LUN, FCOE_MAX_FCP_TARGET, one channel; the FC transport's user_scan.
FCOE_SCSI_HOST = {'proc_name': 'fcoe', 'transport': 'fc', 'max_channel': 0, 'max_id': 256, 'max_lun': 0xffff,
                  'this_id': -1}
# libfc fc_get_host_stats() leaves these at -1; the others count (zero here: no traffic is simulated).
UNSET_STATISTICS = ('lip_count', 'nos_count', 'dumped_frames', 'loss_of_sync_count', 'loss_of_signal_count',
                    'prim_seq_protocol_err_count')
STATISTICS = ('seconds_since_last_reset', 'tx_frames', 'tx_words', 'rx_frames', 'rx_words', 'lip_count', 'nos_count',
              'error_frames', 'dumped_frames', 'link_failure_count', 'loss_of_sync_count', 'loss_of_signal_count',
              'prim_seq_protocol_err_count', 'invalid_tx_word_count', 'invalid_crc_count', 'fcp_input_requests',
              'fcp_output_requests', 'fcp_control_requests', 'fcp_input_megabytes', 'fcp_output_megabytes',
              'fcp_packet_alloc_failures', 'fcp_packet_aborts', 'fcp_frame_alloc_failures', 'fc_no_free_exch',
              'fc_no_free_exch_xid', 'fc_xid_not_found', 'fc_xid_busy', 'fc_seq_not_found', 'fc_non_bls_resp',
              'cn_sig_warn', 'cn_sig_alarm')
# get_fc_port_speed_names(): the NIC's ethtool speed in Mb/s as fcoe_link_speed_update() maps it.
FC_SPEEDS = {1000: '1 Gbit', 10000: '10 Gbit', 20000: '20 Gbit', 25000: '25 Gbit', 40000: '40 Gbit',
             50000: '50 Gbit', 100000: '100 Gbit'}


def fail(err: int, message: str) -> OSError:
    return OSError(err, 'fcoe: ' + message)


def ifname_from(data: bytes) -> str:
    """fcoe_if_to_netdev(): at most IFNAMSIZ-1 bytes, trailing newlines stripped."""
    return data[:15].decode('latin-1').rstrip('\n')


class Fcf:
    def __init__(self, number: int, conf: dict):
        self.number = number
        self.mac = conf.get('mac', '00:0d:ec:a3:3a:80').lower()
        self.vlan = int(conf.get('vlan', 0))
        self.fabric_name = int(str(conf.get('fabric_name', '0x20148c604f591ac1')), 16)
        self.switch_name = int(str(conf.get('switch_name', '0x20008c604f591ac1')), 16)
        self.priority = int(conf.get('priority', 128))
        self.fka_period = int(conf.get('fka_period', 8))
        self.state = 'Connected'
        self.dev_loss_tmo = 1800


class Instance:
    def __init__(self, ifname: str, ctlr: int, scsi_host, mac: str, fip_mode: str, enabled: bool):
        self.ifname, self.ctlr, self.scsi_host, self.mac = ifname, ctlr, scsi_host, mac
        # The ctlr's sysfs mode starts Fabric whatever the legacy create asked (fcoe_ctlr_device_add());
        # fip_mode is what the FIP controller runs.
        self.mode = 'Fabric'
        self.fip_mode = fip_mode
        self.enabled = enabled
        self.link = False          # the lport's link_up: fcoe_ctlr_link_up()/_down()
        self.fcf_dev_loss_tmo = 1800
        self.fip_vlan_responder = 0
        self.r_a_tov, self.e_d_tov = 4000, 2000
        self.fcfs: list = []
        self.logged_in = False
        self.port_id = NO_PORT_ID
        self.destroying = False
        self.generation = 0

    @property
    def host(self) -> int:
        return self.scsi_host.number

    @property
    def wwn_base(self) -> int:
        return int(self.mac.replace(':', ''), 16)


class FcoeDriver:
    name = 'fcoe'

    def __init__(self, fabric, config: dict):
        self.fabric = fabric
        self.config = config
        self.bus = bool(config.get('bus', True))
        self.destroy_delay = float(config.get('destroy_delay', DESTROY_DELAY))
        self.login_delay = float(config.get('login_delay', LOGIN_DELAY))
        # 6.1 matches the mode with strcasecmp (fcoe_parse_mode()); kernels >= 6.8 use sysfs_match_string,
        # case-sensitive (an inference in the reference): the scenario can say mode_match: case-sensitive.
        self.mode_case_sensitive = config.get('mode_match', 'case-insensitive') == 'case-sensitive'
        self.fcf_config = config.get('fcfs', {}) or {}
        self.instances: dict = {}      # the netdev mapping: ifname -> the instance it maps to
        self.dying: list = []          # destroyed (unmapped), still in sysfs until destroy_work runs
        self.default_dev_loss_tmo = 1800   # the libfcoe fcf_dev_loss_tmo module parameter
        self.scsi = fabric.drivers['scsi']
        self._ctlrs = itertools.count(0)
        self._fcfs = itertools.count(0)
        self.netdevs = fabric.drivers['netdevs']
        self.netdevs.subscribers.append(self.on_netdev)
        self.netdevs.extra_entries.append(self._netdev_entries)
        sys = fabric.root.get('sys')
        if self.bus:
            sys.mount('bus/fcoe', vfs.Dir({
                'ctlr_create': vfs.Attr(write=self.bus_create),
                'ctlr_destroy': vfs.Attr(write=self.destroy),
                'devices': vfs.Dir(names=self._bus_device_names, child=self._bus_device),
            }))
        sys.mount('module/libfcoe/parameters', vfs.Dir({
            'create': vfs.Attr(write=lambda data: self.legacy_create(data, 'Fabric')),
            'create_vn2vn': vfs.Attr(write=lambda data: self.legacy_create(data, 'VN2VN')),
            'destroy': vfs.Attr(write=self.destroy),
            'enable': vfs.Attr(write=lambda data: self.legacy_enable(data, True)),
            'disable': vfs.Attr(write=lambda data: self.legacy_enable(data, False)),
            # fcoe_transport_show() prints no newline, and 6.1's param_attr_show() adds none.
            'show': vfs.Attr(read=lambda: 'Attached FCoE transports:fcoe ', mode=0o400),
            'debug_logging': vfs.Attr(read=lambda: '0\n', write=lambda data: None),
            'fcf_dev_loss_tmo': vfs.Attr(read=lambda: '%d\n' % self.default_dev_loss_tmo,
                                         write=self._write_default_dev_loss_tmo),
        }))
        sys.mount('class/fc_host', vfs.Dir(names=self._host_names, child=self._host_link))

    # -- create / destroy ------------------------------------------------------------
    def _new(self, data: bytes, fip_mode: str, enabled: bool) -> Instance:
        """fcoe_ctlr_create_store() / fcoe_transport_create(): ENODEV without the netdev, EEXIST while the
        netdev is mapped to an instance (a destroyed one is unmapped at once), then _fcoe_create()."""
        ifname = ifname_from(data)
        device = self.netdevs.devices.get(ifname)
        if device is None:
            raise fail(errno.ENODEV, 'no netdev %r' % ifname)
        if ifname in self.instances:
            raise fail(errno.EEXIST, 'transport fcoe already has existing FCoE instance on %s' % ifname)
        ctlr = next(self._ctlrs)   # fcoe_sysfs.c ctlr_num: an atomic counter, never reused
        parent = 'devices/virtual/net/%s/ctlr_%d' % (ifname, ctlr)
        instance = Instance(ifname, ctlr, self.scsi.add_host(dict(FCOE_SCSI_HOST), parent), device.address, fip_mode,
                            enabled)
        instance.fcf_dev_loss_tmo = self.default_dev_loss_tmo
        self.instances[ifname] = instance
        self._dirty(instance)
        self.fabric.mark_dirty('/sys/class/fc_host')
        # FCOE_CREATE_LINK_UP (legacy) brings the lport's link up when the netdev's is; the bus's
        # FCOE_CREATE_LINK_DOWN leaves it down until the ctlr is enabled.
        instance.link = enabled and self.netdev_ok(instance)
        self.refresh(instance)
        return instance

    def bus_create(self, data: bytes) -> None:
        # Bus create: the controller starts disabled, to be configured before enabling.
        self._new(data, 'Fabric', enabled=False)

    def legacy_create(self, data: bytes, mode: str) -> None:
        self._new(data, mode, enabled=True)

    def destroy(self, data: bytes) -> None:
        """fcoe_ctlr_destroy_store(): ENODEV unless mapped; fcoe_destroy() takes the instance off the host
        list and queues destroy_work; the mapping goes before the write returns."""
        instance = self.instances.get(ifname_from(data))
        if instance is None:
            raise fail(errno.ENODEV, 'no FCoE transport found for %r' % ifname_from(data))
        instance.destroying = True
        del self.instances[instance.ifname]
        self.dying.append(instance)
        self._set_link(instance, False)
        delay = self.fabric.completion_delay('fcoe-destroy', self.destroy_delay)
        self.fabric.schedule(delay, lambda: self._remove(instance))

    def _remove(self, instance: Instance) -> None:
        if self.instances.get(instance.ifname) is instance:
            del self.instances[instance.ifname]
        elif instance in self.dying:
            self.dying.remove(instance)
        else:
            return
        self._dirty(instance)
        self.fabric.mark_dirty('/sys/class/fc_host/host%d' % instance.host)
        self.fabric.mark_dirty('/sys/bus/fcoe/devices')
        self.scsi.remove_host(instance.scsi_host)   # its number is free for the next host

    def legacy_enable(self, data: bytes, on: bool) -> None:
        """fcoe_enable()/fcoe_disable(): the lport's link up or down; the ctlr's `enabled` stays as it is."""
        instance = self.instances.get(ifname_from(data))
        if instance is None:
            raise fail(errno.ENODEV, 'no FCoE instance on %r' % ifname_from(data))
        self._set_link(instance, on and self.netdev_ok(instance))

    def _write_default_dev_loss_tmo(self, data: bytes) -> None:
        """param_set_uint(): kstrtouint(val, 0)."""
        self.default_dev_loss_tmo = kparse.kstrtouint(data.decode('latin-1'), 0)
        self.fabric.mark_dirty(LEGACY + '/fcf_dev_loss_tmo')

    def all_instances(self) -> list:
        """Mapped instances, then destroyed ones whose destroy_work has not run: all still in sysfs."""
        return list(self.instances.values()) + self.dying

    # -- link and login state ------------------------------------------------------------
    def netdev_ok(self, instance: Instance) -> bool:
        """fcoe_link_ok(): the netdev (and the device a VLAN sits on) is up."""
        device = self.netdevs.devices.get(instance.ifname)
        real = self.netdevs.real_device(instance.ifname)
        return bool(device and device.up and real and real.up)

    def _set_link(self, instance: Instance, up: bool) -> None:
        if instance.link != up:
            instance.link = up
            self._dirty(instance)
        self.refresh(instance)

    def refresh(self, instance: Instance) -> None:
        """Log out when the lport's link goes down; start FIP/FLOGI when it is up."""
        if instance.link and not instance.destroying:
            if not instance.logged_in:
                instance.generation += 1
                generation = instance.generation
                delay = self.fabric.completion_delay('fcoe-login', self.login_delay)
                self.fabric.schedule(delay, lambda: self._login(instance, generation))
        elif instance.logged_in:
            instance.logged_in = False
            # fc_lport_reset_locked(): a port that had an address is set to 0 (never back to -1).
            instance.port_id = 0
            for fcf in instance.fcfs:
                fcf.state = 'Disconnected'
            self._dirty(instance)

    def _login(self, instance: Instance, generation: int) -> None:
        if instance.generation != generation or not instance.link or instance.destroying:
            return
        conf = self.fcf_config.get(instance.ifname)
        if conf is None and self.netdevs.real_device(instance.ifname) is not None:
            conf = self.fcf_config.get(self.netdevs.real_device(instance.ifname).name)
        if conf is None:
            return  # no FCF answers on this link: the host stays Linkdown/Offline
        if not instance.fcfs:
            instance.fcfs.append(Fcf(next(self._fcfs), conf))
            instance.fcfs[-1].dev_loss_tmo = instance.fcf_dev_loss_tmo
        for fcf in instance.fcfs:
            fcf.state = 'Connected'
        instance.logged_in = True
        instance.port_id = 0x880100 | (instance.host & 0xff)   # guess: what the simulated FCF assigns
        self._dirty(instance)

    def on_netdev(self, name: str, before, after) -> None:
        for instance in self.all_instances():
            real = self.netdevs.real_device(instance.ifname)
            if instance.ifname == name and after is None:
                # NETDEV_UNREGISTER: the transport destroys the instance with its netdev.
                self._remove(instance)
            elif instance.ifname == name or (real is not None and real.name == name):
                # fcoe_device_notification(): link up when the netdev is and the ctlr is enabled, else down.
                if before is None or after is None or before.up != after.up or before.name != after.name:
                    self._set_link(instance, self.netdev_ok(instance) and instance.enabled)
                self._dirty(instance)   # speed and maxframe_size follow the netdev

    def _dirty(self, instance: Instance) -> None:
        self.fabric.mark_dirty('/sys/devices/virtual/net/%s/ctlr_%d' % (instance.ifname, instance.ctlr))

    # -- controller attributes -----------------------------------------------------------
    def _write_enabled(self, instance: Instance, data: bytes) -> None:
        """store_ctlr_enabled(): the first byte; a change calls fcoe_enable()/fcoe_disable()."""
        if data[:1] not in (b'0', b'1'):
            raise fail(errno.EINVAL, 'enabled takes 0 or 1')
        wanted = data[:1] == b'1'
        if wanted == instance.enabled:
            return
        instance.enabled = wanted
        self._dirty(instance)
        self._set_link(instance, wanted and self.netdev_ok(instance))

    def _write_mode(self, instance: Instance, data: bytes) -> None:
        """store_ctlr_mode() in 6.1: EINVAL over 20 bytes, EBUSY while enabled, then fcoe_parse_mode()
        (strcasecmp, one trailing newline dropped) stores its answer first: a bad name leaves "Unknown"."""
        if len(data) > FCOE_MAX_MODENAME_LEN:
            raise fail(errno.EINVAL, 'mode too long')
        if instance.enabled:
            raise fail(errno.EBUSY, 'Cannot change mode when enabled.')
        text = data.decode('latin-1').split('\0', 1)[0]
        text = text[:-1] if text.endswith('\n') else text
        index = 0
        for number, name in enumerate(MODE_NAMES):
            if text == name or (not self.mode_case_sensitive and text.lower() == name.lower()):
                index = number
                break
        instance.mode = MODE_NAMES[index]
        self._dirty(instance)
        if index == 0:
            raise fail(errno.EINVAL, 'Unknown mode %s provided.' % text)
        instance.fip_mode = instance.mode

    def _write_flag(self, instance: Instance, data: bytes) -> None:
        if data not in (b'0', b'1', b'0\n', b'1\n'):
            raise fail(errno.EINVAL, 'fip_vlan_responder takes 0 or 1')
        instance.fip_vlan_responder = int(data[:1])
        self._dirty(instance)

    def _write_tov(self, instance: Instance, field: str, data: bytes) -> None:
        """store_ctlr_r_a_tov()/e_d_tov(): EBUSY while enabled; fcoe_ctlr_var_store(): kstrtoul(buf, 10),
        any error or a value over UINT_MAX is EINVAL (so a leading space is)."""
        if instance.enabled:
            raise fail(errno.EBUSY, 'disable the controller first')
        setattr(instance, field, _uint(data, 10))
        self._dirty(instance)

    def _write_dev_loss_tmo(self, instance: Instance, data: bytes) -> None:
        """store_private_fcoe_ctlr_fcf_dev_loss_tmo(): any time, base 0; passed on to connected FCFs."""
        instance.fcf_dev_loss_tmo = _uint(data, 0)
        for fcf in instance.fcfs:
            if fcf.state == 'Connected':
                fcf.dev_loss_tmo = instance.fcf_dev_loss_tmo
        self._dirty(instance)

    def _write_fcf_dev_loss_tmo(self, instance: Instance, fcf: Fcf, data: bytes) -> None:
        """store_fcoe_fcf_dev_loss_tmo(): base 0; EBUSY unless the FCF is connected."""
        value = _uint(data, 0)
        if fcf.state != 'Connected':
            raise fail(errno.EBUSY, 'FCF not connected')
        fcf.dev_loss_tmo = value
        self._dirty(instance)

    def _ctlr_dir(self, instance: Instance) -> vfs.Dir:
        entries = {
            'enabled': vfs.Attr(read=lambda: '%d\n' % instance.enabled,
                                write=lambda data: self._write_enabled(instance, data)),
            'mode': vfs.Attr(read=lambda: instance.mode + '\n', write=lambda data: self._write_mode(instance, data)),
            'fcf_dev_loss_tmo': vfs.Attr(read=lambda: '%d\n' % _as_int(instance.fcf_dev_loss_tmo),
                                         write=lambda data: self._write_dev_loss_tmo(instance, data)),
            'fip_vlan_responder': vfs.Attr(read=lambda: '%d\n' % instance.fip_vlan_responder,
                                           write=lambda data: self._write_flag(instance, data)),
            'r_a_tov': vfs.Attr(read=lambda: '%d\n' % _as_int(instance.r_a_tov),
                                write=lambda data: self._write_tov(instance, 'r_a_tov', data)),
            'e_d_tov': vfs.Attr(read=lambda: '%d\n' % _as_int(instance.e_d_tov),
                                write=lambda data: self._write_tov(instance, 'e_d_tov', data)),
            'lesb': vfs.Dir({name: vfs.text_attr(lambda: 0) for name in LESB}),
            # The SCSI host (with its scsi_host/ class directory) and the FC transport's fc_host/ in it.
            'host%d' % instance.host: self.scsi.host_dir(instance.scsi_host, {
                'fc_host': vfs.Dir({'host%d' % instance.host: self._fc_host(instance)})}),
        }
        for fcf in instance.fcfs:
            entries['fcf_%d' % fcf.number] = self._fcf_dir(instance, fcf)
        return vfs.Dir(entries)

    def _fcf_dir(self, instance: Instance, fcf: Fcf) -> vfs.Dir:
        return vfs.Dir({
            'fabric_name': vfs.text_attr(lambda: '0x%x' % fcf.fabric_name),
            'switch_name': vfs.text_attr(lambda: '0x%x' % fcf.switch_name),
            'priority': vfs.text_attr(lambda: fcf.priority),
            'fc_map': vfs.text_attr(lambda: '0x%x' % 0x0efc00),
            'vfid': vfs.text_attr(lambda: 0),
            'mac': vfs.text_attr(lambda: fcf.mac),
            'fka_period': vfs.text_attr(lambda: fcf.fka_period),
            'selected': vfs.text_attr(lambda: 1 if fcf.state == 'Connected' else 0),
            'vlan_id': vfs.text_attr(lambda: fcf.vlan),
            'state': vfs.text_attr(lambda: fcf.state),
            'dev_loss_tmo': vfs.Attr(read=lambda: '%d\n' % _as_int(fcf.dev_loss_tmo),
                                     write=lambda data: self._write_fcf_dev_loss_tmo(instance, fcf, data)),
        })

    def _fc_host(self, instance: Instance) -> vfs.Dir:
        def state() -> str:
            # fc_get_host_port_state(): Linkdown unless the lport's link is up, Online once READY.
            if not instance.link:
                return 'Linkdown'
            return 'Online' if instance.logged_in else 'Offline'

        def speed() -> str:
            device = self.netdevs.real_device(instance.ifname)
            # guess: a speed fcoe_link_speed_update() does not map leaves the lport's "unknown"
            return FC_SPEEDS.get(device.speed if device else 0, 'unknown')

        def maxframe() -> str:
            # fcoe_netdev_config()/NETDEV_CHANGEMTU, fc_set_mfs(): (mtu - 22) & ~3, at most FC_MAX_FRAME, less
            # the FC header.
            device = self.netdevs.devices.get(instance.ifname)
            mfs = min((((device.mtu if device else 1500) - FCOE_HEADERS) & ~3), FC_MAX_FRAME)
            return '%u bytes' % (mfs - FC_FRAME_HEADER)

        def fabric_name() -> str:
            return '0x%x' % (instance.fcfs[0].fabric_name if instance.logged_in and instance.fcfs else 0)
        return vfs.Dir({
            'symbolic_name': vfs.text_attr(lambda: 'fcoe v%s over %s' % (FCOE_VERSION, instance.ifname)),
            'node_name': vfs.text_attr(lambda: '0x%x' % (0x1000 << 48 | instance.wwn_base)),
            'port_name': vfs.text_attr(lambda: '0x%x' % (0x2000 << 48 | instance.wwn_base)),
            # No permanent_port_name: fcoe's transport template does not show it.
            'fabric_name': vfs.text_attr(fabric_name),
            'port_id': vfs.text_attr(lambda: '0x%06x' % instance.port_id),
            'port_state': vfs.text_attr(state),
            'port_type': vfs.text_attr(lambda: 'NPort (fabric via point-to-point)'),  # guess: not verified for fcoe
            'speed': vfs.text_attr(speed),
            'supported_speeds': vfs.text_attr(lambda: '10 Gbit'),   # guess: veth reports no supported modes
            'supported_classes': vfs.text_attr(lambda: 'Class 3'),
            'tgtid_bind_type': vfs.Attr(read=lambda: 'wwpn (World Wide Port Name)\n', write=lambda data: None),
            'maxframe_size': vfs.text_attr(maxframe),
            'dev_loss_tmo': vfs.text_attr(lambda: 60),
            'max_npiv_vports': vfs.text_attr(lambda: USHRT_MAX),
            'npiv_vports_inuse': vfs.text_attr(lambda: 0),
            'issue_lip': vfs.Attr(write=lambda data: self.refresh(instance)),
            'statistics': self._statistics(),
        })

    def _statistics(self) -> vfs.Dir:
        """fc_host/statistics/ (scsi_transport_fc.c), each "0x%llx"; guess: no traffic, so zeros."""
        entries = {name: vfs.text_attr(lambda n=name: '0x%x' % ((1 << 64) - 1 if n in UNSET_STATISTICS else 0))
                   for name in STATISTICS}
        entries['reset_statistics'] = vfs.Attr(write=lambda data: None)
        return vfs.Dir(entries)

    # -- directory providers -------------------------------------------------------------
    def _netdev_entries(self, ifname: str) -> dict:
        return {'ctlr_%d' % instance.ctlr: self._ctlr_dir(instance)
                for instance in self.all_instances() if instance.ifname == ifname}

    def _bus_device_names(self) -> list:
        names = []
        for instance in self.all_instances():
            names.append('ctlr_%d' % instance.ctlr)
            names.extend('fcf_%d' % fcf.number for fcf in instance.fcfs)
        return names

    def _bus_device(self, name: str):
        for instance in self.all_instances():
            base = '../../../devices/virtual/net/%s/ctlr_%d' % (instance.ifname, instance.ctlr)
            if name == 'ctlr_%d' % instance.ctlr:
                return vfs.Link(base)
            for fcf in instance.fcfs:
                if name == 'fcf_%d' % fcf.number:
                    return vfs.Link(base + '/fcf_%d' % fcf.number)
        return None

    def _host_names(self) -> list:
        return ['host%d' % instance.host for instance in self.all_instances()]

    def _host_link(self, name: str):
        for instance in self.all_instances():
            if name == 'host%d' % instance.host:
                return vfs.Link('../../devices/virtual/net/%s/ctlr_%d/host%d/fc_host/host%d' % (
                    instance.ifname, instance.ctlr, instance.host, instance.host))
        return None

    # -- events, tools, state ------------------------------------------------------------
    def events(self) -> dict:
        return {'fcf-set': self.ev_fcf_set}

    def ev_fcf_set(self, args: dict) -> dict:
        """Make an FCF answer (or stop answering) on an interface: fcf-set iface=eth2 present=no."""
        iface = args['iface']
        if args.get('present', 'yes') in ('no', 'false', '0'):
            self.fcf_config.pop(iface, None)
        else:
            settings = {k: v for k, v in args.items() if k not in ('iface', 'present')}
            self.fcf_config[iface] = dict(self.fcf_config.get(iface, {}), **settings)
        for instance in self.all_instances():
            self.refresh(instance)
        return {'iface': iface, 'fcf': self.fcf_config.get(iface)}

    def tools(self) -> dict:
        return {}

    def state(self) -> dict:
        return {name: {'ctlr': 'ctlr_%d' % i.ctlr, 'host': 'host%d' % i.host, 'enabled': i.enabled, 'mode': i.mode,
                       'fip_mode': i.fip_mode, 'link': i.link, 'logged_in': i.logged_in, 'destroying': i.destroying,
                       'fip_vlan_responder': i.fip_vlan_responder}
                for name, i in sorted(self.instances.items())} | {
            '%s (destroying ctlr_%d)' % (i.ifname, i.ctlr): {'ctlr': 'ctlr_%d' % i.ctlr, 'host': 'host%d' % i.host,
                                                             'destroying': True} for i in self.dying}


def _uint(data: bytes, base: int) -> int:
    """kstrtoul() then a check against UINT_MAX, every failure EINVAL (fcoe_sysfs.c)."""
    try:
        value = kparse.kstrtoull(data.decode('latin-1'), base)
    except OSError:
        raise fail(errno.EINVAL, 'not a number: %r' % data) from None
    if value > kparse.UINT_MAX:
        raise fail(errno.EINVAL, 'over UINT_MAX')
    return value


def _as_int(value: int) -> int:
    """A u32 printed with "%d"."""
    return value - (1 << 32) if value >= 1 << 31 else value
