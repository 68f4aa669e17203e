"""SdiKind offline states: state=parsed reads /proc/scsi/scsi or raises the project's ParseError naming the line."""

import pytest

from ansible_collections.iofabric.core.plugins.module_utils._iofabric.core.errors import ParseError
from ansible_collections.iofabric.core.plugins.module_utils._iofabric.kinds.sdi.kind import SdiKind

PROC_SCSI = ('Attached devices:\n'
             'Host: scsi1 Channel: 00 Id: 03 Lun: 01\n'
             '  Vendor: NETAPP   Model: LUN C-Mode       Rev: 9800\n'
             '  Type:   Direct-Access                    ANSI  SCSI revision: 06\n')


def test_parsed_reads_the_kernel_format():
    assert SdiKind(None, None).parse(PROC_SCSI) == [{'address': '1:0:3:1', 'vendor': 'NETAPP', 'model': 'LUN C-Mode'}]


@pytest.mark.parametrize('text,line', [
    ('Host: scsiX Channel: 00 Id: 00 Lun: 00\n', 1),                       # int() of this was a bare ValueError
    ('Attached devices:\nHost: scsi1 Channel: 00 Id: 03\n', 2),           # too few fields
    ('Host: scsi1 Channel: 00 Id: 03 Lun: 01\n  Vendor: NETAPP\n', 2),    # Vendor without Model/Rev
    ('Attached devices:\ngarbage\n', 2),
])
def test_parsed_refuses_malformed_text_naming_the_line(text, line):
    with pytest.raises(ParseError) as caught:
        SdiKind(None, None).parse(text)
    assert str(caught.value).startswith('running_config: line %d ' % line)
