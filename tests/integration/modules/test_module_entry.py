"""The modules' entry point with a real module run: warnings reach the user without the deprecated
exit_json(warnings=...) path (ansible-core 2.19 warns about it, 2.23 removes it)."""


def test_a_modules_warning_is_shown_and_nothing_is_deprecated(sim, playbook):
    config = [{'type': 'macvlan', 'name': 'data0', 'lower': 'eth1'}]
    task = {'name': 'vnics', 'iofabric.core.vnic_interface': {'config': config}, 'register': 'out'}
    assert playbook.run([task], sim=sim).rc == 0
    sim.event('link-rename', name='eth1', to='uplink0')
    run = playbook.run([task], sim=sim)
    assert run.rc == 0, run.stdout
    assert any('was renamed to uplink0' in warning for warning in run.task('vnics')['warnings'])
    assert 'was renamed to uplink0' in run.stdout + run.stderr
    assert 'deprecat' not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
