"""bench/report.py's fleet section: the ratio against ping, and the verdict on the 1.5x target."""

from bench.report import fleet_section


def stats(median):
    return {'median': median, 'min': median, 'max': median, 'n': 1, 'unit': 's'}


def case(first, rerun):
    return {'hosts': 16, 'forks': 16, 'cores': 2, 'plays': {
        name: {'controller_per_host': stats(controller), 'module_per_host': stats(0.5), 'wall': stats(5.0)}
        for name, controller in (('ping', 0.100), ('first', first), ('rerun', rerun))}}


def test_the_worse_of_first_run_and_re_run_is_held_against_the_target():
    lines = fleet_section(case(0.140, 0.160))
    assert '| declaration, first run | 140 ms | 500 ms | 1.40x | 5.00 s |' in lines
    assert '| Controller CPU per host for one declaration task within 1.5x of a `ping` task | 1.60x | missed by 7% |' in lines


def test_within_the_target_is_met():
    assert '| Controller CPU per host for one declaration task within 1.5x of a `ping` task | 1.20x | met |' in \
        fleet_section(case(0.120, 0.110))


def test_a_result_of_the_earlier_wall_time_case_is_not_shown_as_this_one():
    assert fleet_section({'forks': 16, 'cores': 2, 'hosts': {'1': {}}})[2].startswith('Not measured by this run')


def test_the_dcb_row_holds_five_socket_requests_and_no_process_per_interface():
    from bench.report import _dcb_row
    assert _dcb_row({'lldpad_requests_per_interface': 5.0, 'dcb_tool_runs': 0}).endswith('| met |')
    assert _dcb_row({'lldpad_requests_per_interface': 5.0, 'dcb_tool_runs': 10}).endswith('| missed |')
    assert _dcb_row({'dcbtool_runs_per_interface': 5.0}).startswith('| One DCB query per DCB-gated interface | 5.0 dcbtool')


def test_issue_19s_batch_targets_are_held_against_the_floor():
    from bench.report import lean_targets
    batch = {'first': stats(6.0), 'rerun': stats(3.5)}
    cases = {'converge:qlgc': {'unit': 'qlgc VNICs', 'batch': {'1024': batch}},
             'converge:sdi': {'unit': 'LUNs', 'batch': {'1024': {'first': stats(7.0), 'rerun': stats(3.0)}}}}
    rows = lean_targets(cases, 2.0)
    assert rows == ['| 1024 qlgc VNICs: first run within 3x the floor (issue 19) | 3.0x | met |',
                    '| 1024 LUNs: first run within 3x the floor (issue 19) | 3.5x | missed by 17% |',
                    '| 1024 unchanged qlgc VNICs: re-run within 1.5x the floor (issue 19, lean results) | 1.8x | missed by 17% |']


def test_the_result_shrink_is_against_the_size_before_lean_results():
    from bench.report import RESULT_BEFORE_LEAN, memory_section
    lines = memory_section({'objects': 1024, 'module_first_kb': 1, 'module_rerun_kb': 1, 'pass_kb': 1,
                            'floor_python_kb': 1, 'module_result_bytes': RESULT_BEFORE_LEAN // 4})
    assert lines[-2].endswith('| 4.00x smaller (293,229 bytes) | met |'), lines[-2]
