"""ib_qlgc_vnic_query, rendered from the live fabric in the formats of the vendor README.

Formats: ../shared/reference/ib_vnic_eoib.md §1.4. Verbatim in the README: the per-port
header, the IO Unit / controller block (8 extra columns of indent), the -e/-es lines
(8 spaces), -s lines (no indent), the "Port State is Down" block, the shortened -d
header, the header-less -C/-P output (TAB indent) and -L. Guesses, marked below: the
blank-line placement the README elides, -G output, and the usage/error texts and codes.
"""

from __future__ import annotations

USAGE = ('Usage: ib_qlgc_vnic_query [-e] [-s] [-d /dev/infiniband/umadN] [-C hca_name] [-P port_no]'
         ' [-G port_guid] [-L]\n')
PAD = ' ' * 8


def _parse_args(argv: list) -> dict:
    opts = {'e': False, 's': False, 'd': None, 'C': None, 'P': None, 'G': None, 'L': False}
    index = 0
    while index < len(argv):
        arg = argv[index]
        if not arg.startswith('-') or len(arg) < 2:
            raise ValueError(arg)
        flags = arg[1:]
        if flags[0] in 'dCPG':
            value = flags[1:] or (argv[index + 1] if index + 1 < len(argv) else None)
            if value is None:
                raise ValueError(arg)
            if not flags[1:]:
                index += 1
            opts[flags[0]] = value
        else:
            for flag in flags:
                if flag not in 'esL':
                    raise ValueError(arg)
                opts[flag] = True
        index += 1
    return opts


def _header(port, short: bool = False) -> str:
    text = 'HCA No = %d, HCA = %s, Port = %d' % (port.hca_no, port.hca, port.number)
    if not short:
        text += ', Port GUID = 0x%016x, State = %s' % (port.guid, port.state)
    return text + '\n'


def _ext_line(ioc, strings: bool, extended: bool) -> str:
    if extended:
        line = 'ioc_guid=%016x,dgid=%s,pkey=%04x' % (ioc.guid, ioc.unit.port_gid, ioc.pkey)
        if strings:
            line += ',"%s"' % ioc.string
        return PAD + line + '\n'
    return '"%s"\n' % ioc.string


def _dm_block(driver, port) -> str:
    out = []
    units = [unit for unit in driver.units if port.key in unit.reachable]
    for unit in units:
        iocs = [ioc for ioc in unit.iocs if ioc.present]
        if not iocs:
            continue
        out.append(PAD + 'IO Unit Info:\n')
        out.append(PAD + '    port LID:        %04x\n' % unit.lid)
        out.append(PAD + '    port GID:        %s\n' % unit.port_gid)
        out.append(PAD + '    change ID:       %04x\n' % unit.change_id)
        out.append(PAD + '    max controllers: 0x%02x\n' % unit.max_controllers)
        out.append('\n\n')
        for ioc in iocs:
            number = (ioc.guid >> 32) & 0xff
            out.append(PAD + '    controller[%3d]\n' % ioc.slot)
            out.append(PAD + '        GUID:      %016x\n' % ioc.guid)
            out.append(PAD + '        vendor ID: 00066a\n')
            out.append(PAD + '        device ID: 000030\n')
            out.append(PAD + '        IO class : 2000\n')
            out.append(PAD + '        ID:        %s\n' % ioc.string)
            out.append(PAD + '        service entries: 2\n')
            out.append(PAD + '            service[  0]: 1000066a000000%02x / InfiniNIC.InfiniConSys.Control:%02x\n'
                       % (number, number))
            out.append(PAD + '            service[  1]: 1000066a000001%02x / InfiniNIC.InfiniConSys.Data:%02x\n'
                       % (number, number))
            out.append('\n')  # guess: the README elides what separates controllers and units
    return ''.join(out)


def _select(driver, opts: dict):
    """Ports to scan and whether headers are printed, or an error text."""
    ports = list(driver.ports)
    if opts['d'] is not None:
        device = opts['d']
        prefix = '/dev/infiniband/umad'
        if not device.startswith(prefix) or not device[len(prefix):].isdigit() \
                or int(device[len(prefix):]) >= len(ports):
            return None, 'ib_qlgc_vnic_query: cannot open %s\n' % device  # guess
        return [ports[int(device[len(prefix):])]], 'short'
    if opts['G'] is not None:
        wanted = int(opts['G'], 16) if opts['G'].lower().startswith('0x') else None
        chosen = [port for port in ports if wanted is not None and port.guid == wanted]
        if not chosen:
            return None, 'ib_qlgc_vnic_query: no local port with GUID %s\n' % opts['G']  # guess
        return chosen, 'none'  # guess: like -C/-P, no header
    if opts['C'] is not None or opts['P'] is not None:
        hca = opts['C']
        number = int(opts['P']) if opts['P'] is not None and str(opts['P']).isdigit() else 1
        if opts['C'] is None:
            hca_ports = [port for port in ports if port.hca_no == 0]
        else:
            hca_ports = [port for port in ports if port.hca == hca]
        chosen = [port for port in hca_ports if port.number == number]
        if not chosen:
            return None, 'ib_qlgc_vnic_query: HCA %s port %s not found\n' % (hca or 0, number)  # guess
        return chosen, 'none'
    return ports, 'full'


def run(driver, argv: list) -> tuple:
    """Return (exit status, stdout, stderr)."""
    try:
        opts = _parse_args(argv)
    except (ValueError, IndexError):
        return 1, '', USAGE  # guess: usage and exit status 1
    if opts['L']:
        return 0, ''.join('%d,%s,%d,0x%016x\n' % (p.hca_no, p.hca, p.number, p.guid) for p in driver.ports), ''
    ports, header = _select(driver, opts)
    if ports is None:
        return 1, '', header
    extended, strings = opts['e'], opts['s']
    listing = extended or strings
    out = ['\n'] if listing and header != 'none' else []
    for port in ports:
        if header != 'none':
            out.append(_header(port, short=header == 'short'))
            out.append('\n')
        if not port.active:
            out.append(PAD + 'Port State is Down. Skipping search of DM nodes on this port.\n\n')
        elif listing:
            for ioc in driver.visible(port):
                line = _ext_line(ioc, strings, extended)
                out.append(line.replace(PAD, '\t', 1) if header == 'none' and extended else line)
        else:
            out.append(_dm_block(driver, port))
    return 0, ''.join(out), ''
