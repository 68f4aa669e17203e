"""dcbtool and lldptool output, byte for byte as lldpad's clients print it (TABs included).

Formats: ../shared/reference/fcoe_dcb.md §4.2 (dcbtool: print_dcb_cmd_response and the
status table) and §4.3 (lldptool: the 802.1Qaz TLV printers, -c name=value, status texts).
Exit status: dcbtool returns lldpad's status code, 255 for parse and connection errors;
lldptool returns 0 or 1.
"""

from __future__ import annotations

NOT_RUNNING = 'connect: Connection refused\nFailed to connect to lldpad - clif_open: Connection refused\n'
DCBTOOL_STATUS = {0: 'Successful', 1: 'Failed', 2: 'Device not found, link down or DCB not enabled',
                  4: 'Invalid command', 5: 'Invalid parameters', 6: 'Peer feature not present',
                  7: 'Version not compatible', 8: 'Device not capable',
                  9: 'Command not applicable in IEEE-DCBX modes', 10: 'Access denied'}
LLDPTOOL_STATUS = {0: 'Successful', 1: 'Failed', 2: 'Device not found or inactive',
                   3: 'Agent instance for device not found', 4: 'Invalid command', 5: 'Invalid parameters',
                   6: 'Peer feature not present', 7: 'Version not compatible', 8: 'Device not capable',
                   9: 'Command not applicable', 10: 'Access denied', 11: 'TLV does not support agent type'}
ERROR_NAMES = ('mismatch with peer', 'local configuration error', "multiple TLV's received", 'peer error',
               'multiple LLDP neighbors', 'peer feature not present')
COMMANDS = {'gc': 'Get Config', 'sc': 'Set Config', 'go': 'Get Oper', 'gp': 'Get Peer'}
FEATURES = {'dcb': 'DCB State', 'pfc': 'Priority Flow Control', 'app:fcoe': 'Application FCoE',
            'app:0': 'Application FCoE', 'app:iscsi': 'Application iSCSI', 'app:1': 'Application iSCSI',
            'app:fip': 'Application FIP', 'app:2': 'Application FIP', 'pg': 'Priority Groups',
            'll:fcoe': 'Logical Link FCoE', 'll:0': 'Logical Link FCoE'}
FCOE_ETHERTYPE = 0x8906


def _tf(value: bool) -> str:
    return 'true' if value else 'false'


def _errors(bits: int) -> str:
    names = [name for index, name in enumerate(ERROR_NAMES) if bits & (1 << index)]
    return '0x%02x - %s' % (bits, ', '.join(names) if names else 'none')


def _pfcup(bitmap: int) -> str:
    return 'pfcup:     \t' + ''.join('%d\t' % ((bitmap >> index) & 1) for index in range(8)) + '\n'


def _appcfg(bitmap: int) -> str:
    return 'appcfg:     \t%02x\n' % bitmap


def _header(command: str, feature: str, ifname: str, status: int) -> str:
    return ('Command:   \t%s\nFeature:   \t%s\nPort:      \t%s\nStatus:    \t%s\n'
            % (COMMANDS[command], FEATURES[feature], ifname, DCBTOOL_STATUS.get(status, 'Unknown status')))


def dcbtool(driver, argv: list) -> tuple:
    args = [arg for arg in argv if arg not in ('-r', '-R')]
    if not args:
        return 255, '', 'invalid command argument: invalid command\n'
    if args[0] in ('ping',):
        return (0, 'PPONG\n', '') if driver.lldpad else (255, '', NOT_RUNNING)
    command = args[0]
    if command not in COMMANDS:
        return 255, '', 'invalid command argument: invalid command\n'
    if len(args) < 2:
        return 255, '', 'invalid command argument: port was not specified\n'
    if len(args) < 3:
        return 255, '', 'invalid command argument: feature was not specified\n'
    ifname, feature = args[1], args[2].lower()
    if feature not in FEATURES or (command == 'gp' and feature == 'dcb'):
        return 255, '', 'invalid command argument: %s\n' % ('invalid command' if feature == 'dcb' else 'invalid feature')
    if not driver.lldpad:
        return 255, '', NOT_RUNNING
    port = driver.port(ifname)
    if port is None:
        return 8, _header(command, feature, ifname, 8), ''
    if command in ('go', 'gp') and driver.mode == 'ieee':
        return 9, _header(command, feature, ifname, 9), ''
    if command == 'go' and feature == 'dcb':
        return 4, _header(command, feature, ifname, 4), ''
    if command == 'sc':
        return _set(driver, port, ifname, feature, args[3:])
    body = _body(driver, port, ifname, command, feature)
    return 0, _header(command, feature, ifname, 0) + body, ''


def _body(driver, port, ifname: str, command: str, feature: str) -> str:
    if feature == 'dcb':
        return 'DCB State:\t%s\n' % ('on' if port.dcb_on else 'off')
    if feature not in ('pfc', 'app:fcoe', 'app:0'):
        return ''  # guess: the other features are not modelled; their headers still print
    data = port.pfc if feature == 'pfc' else port.app
    if command == 'gc':
        text = 'Enable:    \t%s\nAdvertise: \t%s\nWilling:   \t%s\n' % (
            _tf(data.enable), _tf(data.advertise), _tf(data.willing))
        if feature == 'pfc':
            return text + _pfcup(data.data) + "num TC's:  \t%d\n" % port.num_tcs
        return text + _appcfg(data.data)
    oper, syncd = oper_state(driver, port, data, ifname)
    if command == 'go':
        text = 'Oper Version:\t0\nMax Version:\t0\nErrors:     \t%s\nOper Mode: \t%s\nSyncd:     \t%s\n' % (
            _errors(data.error), _tf(oper), _tf(syncd))
    else:
        text = 'Enable:    \t%s\nWilling:   \t%s\nOper Version:\t0\nMax Version:\t0\nError:     \t%s\n' \
               'DCBX Subtype:\t2\n' % (_tf(data.enable), _tf(data.willing), _tf(bool(data.error)))
    return text + (_pfcup(data.data) if feature == 'pfc' else _appcfg(data.data))


def oper_state(driver, port, data, ifname: str) -> tuple:
    """(oper mode, syncd) of a feature, for dcbtool's text and lldpad's socket alike."""
    oper = data.oper and driver.link_up(ifname) and port.dcb_on  # guess: a down link or DCB off is not operational
    return oper, data.syncd and oper


def _set(driver, port, ifname: str, feature: str, settings: list) -> tuple:
    """sc: dcb on|off; pfc/app e:, a:, w:, pfcup:, appcfg:."""
    try:
        for setting in settings:
            if feature == 'dcb' and setting in ('on', 'off'):
                port.dcb_on = setting == 'on'
                continue
            key, _colon, value = setting.partition(':')
            data = port.pfc if feature == 'pfc' else port.app
            if key in ('e', 'a', 'w') and value in ('0', '1'):
                setattr(data, {'e': 'enable', 'a': 'advertise', 'w': 'willing'}[key], value == '1')
            elif key == 'pfcup' and feature == 'pfc' and len(value) == 8 and set(value) <= {'0', '1'}:
                data.data = sum(1 << i for i, char in enumerate(value) if char == '1')
            elif key == 'appcfg' and feature.startswith('app'):
                data.data = int(value, 16)
            else:
                return 255, '', 'invalid command argument: %s\n' % setting
    except ValueError:
        return 255, '', 'invalid command argument: %s\n' % ' '.join(settings)
    return 0, _header('sc', feature, ifname, 0), ''


def lldptool(driver, argv: list) -> tuple:
    """lldptool -t -i IF -V PFC|APP|IEEE-DCBX [-c [names]] (the queries the engine makes)."""
    opts, names, index = {}, [], 0
    while index < len(argv):
        arg = argv[index]
        if arg in ('-i', '-V'):
            if index + 1 >= len(argv):
                return 1, '', 'Invalid command\n'
            opts[arg] = argv[index + 1]
            index += 2
            continue
        if arg in ('-t', '-c', '-n'):
            opts[arg] = True
        elif arg.startswith('-'):
            return 1, '', 'Invalid command\n'
        else:
            names.append(arg)
        index += 1
    if not driver.lldpad:
        return 255, '', NOT_RUNNING
    tlv = opts.get('-V', '')
    if tlv not in ('PFC', 'APP', 'IEEE-DCBX', 'ETS-CFG', 'ETS-REC'):
        return 1, '\nInvalid TLV identifier: %s\n' % tlv, ''
    if names and '-c' not in opts:
        return 1, 'Invalid command \n', ''
    ifname = opts.get('-i', '')
    if ifname not in driver.netdevs.devices:
        return 1, '%s \n' % LLDPTOOL_STATUS[2], ''
    port = driver.port(ifname)
    if tlv == 'IEEE-DCBX':
        return 0, 'mode=%s\n' % ('auto' if driver.mode == 'ieee' else 'CEE'), ''
    if port is None:
        return 1, '%s \n' % LLDPTOOL_STATUS[8], ''
    if '-c' in opts:
        return 0, _config(tlv, port, names), ''
    if driver.mode != 'ieee':
        return 0, '', ''  # no 802.1Qaz TLV in the PDU: prints nothing
    if tlv == 'PFC':
        enabled = ' '.join(str(i) for i in range(8) if port.pfc.enable and port.pfc.data >> i & 1)
        return 0, ('IEEE 8021QAZ PFC TLV\n\t Willing: %s\n\t MACsec Bypass Capable: no\n'
                   '\t PFC capable traffic classes: %d\n\t PFC enabled: %s\n'
                   % ('yes' if port.pfc.willing else 'no', port.num_tcs, (enabled + ' ') if enabled else 'none')), ''
    if tlv == 'APP':
        rows = ['App# %3i \t Prio %1i \t Sel %1i \t P-ID\t Ethertype: 0x%04x' % (n, prio, 1, FCOE_ETHERTYPE)
                for n, prio in enumerate(i for i in range(8) if port.app.enable and port.app.data >> i & 1)]
        return 0, 'IEEE 8021QAZ APP TLV\n' + ''.join('\t' + row + '\n' for row in rows), ''
    return 0, '', ''


def _config(tlv: str, port, names: list) -> str:
    if tlv == 'PFC':
        enabled = port.pfc.data if port.pfc.enable else 0
        values = {'willing': 'yes' if port.pfc.willing else 'no', 'enabled': str(enabled),
                  'delay': '00', 'enableTx': 'yes' if port.pfc.advertise else 'no'}
        wanted = names or list(values)
        return ''.join('%s=%s\n' % (name, values.get(name, '')) for name in wanted)
    if tlv == 'APP':
        lines = ['APP=(prio,sel,proto)']
        lines += ['%i:(%i,%i,0x%04x) local hw (set)' % (n, prio, 1, FCOE_ETHERTYPE)
                  for n, prio in enumerate(i for i in range(8) if port.app.enable and port.app.data >> i & 1)]
        return '\n'.join(lines) + '\n\n'
    return ''
