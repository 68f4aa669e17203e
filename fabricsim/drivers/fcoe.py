"""The software FCoE transport (fcoe, libfcoe) and the FC hosts it creates.

Facts: ../shared/reference/fcoe_dcb.md §2. Bus interface /sys/bus/fcoe (ctlr_create,
ctlr_destroy, devices/ctlr_N), the controllers under their net device, fc_host attributes,
the legacy /sys/module/libfcoe/parameters files. Create fails with ENODEV on a missing
netdev and EEXIST on a second instance; destroy completes asynchronously. With the
controller enabled and its link up, FIP discovery finds the scenario's FCF and the host
logs in (asynchronously) and shows Online.
"""

from __future__ import annotations

import errno
import itertools

from fabricsim import vfs

BUS = '/sys/bus/fcoe'
LEGACY = '/sys/module/libfcoe/parameters'
DESTROY_DELAY = 0.1
LOGIN_DELAY = 0.05
FCOE_VERSION = '0.1'
MODES = ('Fabric', 'VN2VN')
LESB = ('link_fail', 'vlink_fail', 'miss_fka', 'symb_err', 'err_block', 'fcs_error')


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
    def __init__(self, ifname: str, ctlr: int, host: int, mac: str, mode: str, enabled: bool):
        self.ifname, self.ctlr, self.host, self.mac = ifname, ctlr, host, mac
        self.mode = mode
        self.enabled = enabled
        self.fcf_dev_loss_tmo = 1800
        self.fip_vlan_responder = 0
        self.r_a_tov, self.e_d_tov = 4000, 2000
        self.fcfs: list = []
        self.logged_in = False
        self.destroying = False
        self.generation = 0

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
        # Kernels >= 6.8 match the mode with sysfs_match_string (case-sensitive): an inference in the reference.
        self.mode_case_sensitive = config.get('mode_match', 'case-sensitive') == 'case-sensitive'
        self.fcf_config = config.get('fcfs', {}) or {}
        self.instances: dict = {}
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
            'show': vfs.Attr(read=lambda: 'Attached FCoE transports:fcoe \n', mode=0o400),
            'debug_logging': vfs.Attr(read=lambda: '0\n', write=lambda data: None),
            'fcf_dev_loss_tmo': vfs.Attr(read=lambda: '1800\n', write=lambda data: None),
        }))
        sys.mount('class/fc_host', vfs.Dir(names=self._host_names, child=self._host_link))

    # -- create / destroy ------------------------------------------------------------
    def _new(self, data: bytes, mode: str, enabled: bool) -> Instance:
        ifname = ifname_from(data)
        device = self.netdevs.devices.get(ifname)
        if device is None:
            raise fail(errno.ENODEV, 'no netdev %r' % ifname)
        if ifname in self.instances:
            raise fail(errno.EEXIST, '%s already has an FCoE instance' % ifname)
        instance = Instance(ifname, next(self._ctlrs), self.fabric.next_host(), device.address, mode, enabled)
        self.instances[ifname] = instance
        self._dirty(instance)
        self.fabric.mark_dirty('/sys/class/fc_host')
        self.refresh(instance)
        return instance

    def bus_create(self, data: bytes) -> None:
        # Bus create: the controller starts disabled, to be configured before enabling.
        try:
            self._new(data, 'Fabric', enabled=False)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                raise fail(errno.ENOMEM, 'already has an FCoE instance (the bus reports ENOMEM)') from None
            raise

    def legacy_create(self, data: bytes, mode: str) -> None:
        self._new(data, mode, enabled=True)

    def destroy(self, data: bytes) -> None:
        instance = self.instances.get(ifname_from(data))
        if instance is None or instance.destroying:
            raise fail(errno.ENODEV, 'no FCoE instance on %r' % ifname_from(data))
        instance.destroying = True
        delay = self.fabric.completion_delay('fcoe-destroy', self.destroy_delay)
        self.fabric.schedule(delay, lambda: self._remove(instance))

    def _remove(self, instance: Instance) -> None:
        if self.instances.get(instance.ifname) is instance:
            del self.instances[instance.ifname]
            self._dirty(instance)
            self.fabric.mark_dirty('/sys/class/fc_host/host%d' % instance.host)
            self.fabric.mark_dirty('/sys/bus/fcoe/devices')

    def legacy_enable(self, data: bytes, on: bool) -> None:
        instance = self.instances.get(ifname_from(data))
        if instance is None:
            raise fail(errno.ENODEV, 'no FCoE instance on %r' % ifname_from(data))
        instance.enabled = on
        self.refresh(instance)

    # -- link and login state ------------------------------------------------------------
    def link_up(self, instance: Instance) -> bool:
        device = self.netdevs.devices.get(instance.ifname)
        real = self.netdevs.real_device(instance.ifname)
        return bool(device and device.up and real and real.up)

    def refresh(self, instance: Instance) -> None:
        """Log out when the link or the controller goes down; start FIP/FLOGI when both are up."""
        if instance.enabled and self.link_up(instance) and not instance.destroying:
            if not instance.logged_in:
                instance.generation += 1
                generation = instance.generation
                delay = self.fabric.completion_delay('fcoe-login', self.login_delay)
                self.fabric.schedule(delay, lambda: self._login(instance, generation))
        elif instance.logged_in:
            instance.logged_in = False
            for fcf in instance.fcfs:
                fcf.state = 'Disconnected'
            self._dirty(instance)

    def _login(self, instance: Instance, generation: int) -> None:
        if instance.generation != generation or not (instance.enabled and self.link_up(instance)):
            return
        conf = self.fcf_config.get(instance.ifname)
        if conf is None and self.netdevs.real_device(instance.ifname) is not None:
            conf = self.fcf_config.get(self.netdevs.real_device(instance.ifname).name)
        if conf is None:
            return  # no FCF answers on this link: the host stays Linkdown/Offline
        if not instance.fcfs:
            instance.fcfs.append(Fcf(next(self._fcfs), conf))
        for fcf in instance.fcfs:
            fcf.state = 'Connected'
        instance.logged_in = True
        self._dirty(instance)

    def on_netdev(self, name: str, before, after) -> None:
        for instance in list(self.instances.values()):
            real = self.netdevs.real_device(instance.ifname)
            if instance.ifname == name and after is None:
                # NETDEV_UNREGISTER: the transport destroys the instance with its netdev.
                self._remove(instance)
            elif instance.ifname == name or (real is not None and real.name == name):
                self.refresh(instance)

    def _dirty(self, instance: Instance) -> None:
        self.fabric.mark_dirty('/sys/devices/virtual/net/%s/ctlr_%d' % (instance.ifname, instance.ctlr))

    # -- controller attributes -----------------------------------------------------------
    def _write_enabled(self, instance: Instance, data: bytes) -> None:
        if data[:1] not in (b'0', b'1'):
            raise fail(errno.EINVAL, 'enabled takes 0 or 1')
        instance.enabled = data[:1] == b'1'
        self.refresh(instance)

    def _write_mode(self, instance: Instance, data: bytes) -> None:
        if instance.enabled:
            raise fail(errno.EBUSY, 'Cannot change mode when enabled.')
        text = data.decode('latin-1')
        text = text[:-1] if text.endswith('\n') else text
        if len(data) > 20:
            raise fail(errno.EINVAL, 'mode too long')
        for mode in MODES:
            if text == mode or (not self.mode_case_sensitive and text.lower() == mode.lower()):
                instance.mode = mode
                self._dirty(instance)
                return
        raise fail(errno.EINVAL, 'unknown mode %r' % text)

    def _write_flag(self, instance: Instance, data: bytes) -> None:
        if data not in (b'0', b'1', b'0\n', b'1\n'):
            raise fail(errno.EINVAL, 'fip_vlan_responder takes 0 or 1')
        instance.fip_vlan_responder = int(data[:1])
        self._dirty(instance)

    def _write_tov(self, instance: Instance, field: str, data: bytes) -> None:
        if instance.enabled:
            raise fail(errno.EBUSY, 'disable the controller first')
        try:
            setattr(instance, field, int(data.decode('latin-1').strip(), 10))
        except ValueError:
            raise fail(errno.EINVAL, 'not a number') from None
        self._dirty(instance)

    def _ctlr_dir(self, instance: Instance) -> vfs.Dir:
        entries = {
            'enabled': vfs.Attr(read=lambda: '%d\n' % instance.enabled,
                                write=lambda data: self._write_enabled(instance, data)),
            'mode': vfs.Attr(read=lambda: instance.mode + '\n', write=lambda data: self._write_mode(instance, data)),
            'fcf_dev_loss_tmo': vfs.Attr(read=lambda: '%d\n' % instance.fcf_dev_loss_tmo,
                                         write=lambda data: self._write_tov(instance, 'fcf_dev_loss_tmo', data)),
            'fip_vlan_responder': vfs.Attr(read=lambda: '%d\n' % instance.fip_vlan_responder,
                                           write=lambda data: self._write_flag(instance, data)),
            'r_a_tov': vfs.Attr(read=lambda: '%d\n' % instance.r_a_tov,
                                write=lambda data: self._write_tov(instance, 'r_a_tov', data)),
            'e_d_tov': vfs.Attr(read=lambda: '%d\n' % instance.e_d_tov,
                                write=lambda data: self._write_tov(instance, 'e_d_tov', data)),
            'lesb': vfs.Dir({name: vfs.text_attr(lambda: 0) for name in LESB}),
            'host%d' % instance.host: vfs.Dir({'fc_host': vfs.Dir({'host%d' % instance.host: self._fc_host(instance)})}),
        }
        for fcf in instance.fcfs:
            entries['fcf_%d' % fcf.number] = self._fcf_dir(fcf)
        return vfs.Dir(entries)

    def _fcf_dir(self, fcf: Fcf) -> vfs.Dir:
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
            'dev_loss_tmo': vfs.text_attr(lambda: fcf.dev_loss_tmo),
        })

    def _fc_host(self, instance: Instance) -> vfs.Dir:
        def state() -> str:
            if not self.link_up(instance) or not instance.enabled:
                return 'Linkdown'
            return 'Online' if instance.logged_in else 'Offline'

        def fabric_name() -> str:
            return '0x%x' % (instance.fcfs[0].fabric_name if instance.logged_in and instance.fcfs else 0)
        return vfs.Dir({
            'symbolic_name': vfs.text_attr(lambda: 'fcoe v%s over %s' % (FCOE_VERSION, instance.ifname)),
            'node_name': vfs.text_attr(lambda: '0x%x' % (0x1000 << 48 | instance.wwn_base)),
            'port_name': vfs.text_attr(lambda: '0x%x' % (0x2000 << 48 | instance.wwn_base)),
            'permanent_port_name': vfs.text_attr(lambda: '0x%x' % (0x2000 << 48 | instance.wwn_base)),
            'fabric_name': vfs.text_attr(fabric_name),
            'port_id': vfs.text_attr(lambda: '0x%06x' % ((0x880100 | instance.host) if instance.logged_in else 0)),
            'port_state': vfs.text_attr(state),
            'port_type': vfs.text_attr(lambda: 'NPort (fabric via point-to-point)'),  # guess: not verified for fcoe
            'speed': vfs.text_attr(lambda: '10 Gbit' if instance.logged_in else 'unknown'),
            'supported_speeds': vfs.text_attr(lambda: '10 Gbit'),
            'maxframe_size': vfs.text_attr(lambda: '2112 bytes'),
            'dev_loss_tmo': vfs.text_attr(lambda: 60),
            'max_npiv_vports': vfs.text_attr(lambda: 255),
            'npiv_vports_inuse': vfs.text_attr(lambda: 0),
            'issue_lip': vfs.Attr(write=lambda data: self.refresh(instance)),
        })

    # -- directory providers -------------------------------------------------------------
    def _netdev_entries(self, ifname: str) -> dict:
        instance = self.instances.get(ifname)
        return {'ctlr_%d' % instance.ctlr: self._ctlr_dir(instance)} if instance else {}

    def _bus_device_names(self) -> list:
        names = []
        for instance in self.instances.values():
            names.append('ctlr_%d' % instance.ctlr)
            names.extend('fcf_%d' % fcf.number for fcf in instance.fcfs)
        return names

    def _bus_device(self, name: str):
        for instance in self.instances.values():
            base = '../../../devices/virtual/net/%s/ctlr_%d' % (instance.ifname, instance.ctlr)
            if name == 'ctlr_%d' % instance.ctlr:
                return vfs.Link(base)
            for fcf in instance.fcfs:
                if name == 'fcf_%d' % fcf.number:
                    return vfs.Link(base + '/fcf_%d' % fcf.number)
        return None

    def _host_names(self) -> list:
        return ['host%d' % instance.host for instance in self.instances.values()]

    def _host_link(self, name: str):
        for instance in self.instances.values():
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
        for instance in self.instances.values():
            self.refresh(instance)
        return {'iface': iface, 'fcf': self.fcf_config.get(iface)}

    def tools(self) -> dict:
        return {}

    def state(self) -> dict:
        return {name: {'ctlr': 'ctlr_%d' % i.ctlr, 'host': 'host%d' % i.host, 'enabled': i.enabled, 'mode': i.mode,
                       'logged_in': i.logged_in, 'destroying': i.destroying,
                       'fip_vlan_responder': i.fip_vlan_responder}
                for name, i in sorted(self.instances.items())}
