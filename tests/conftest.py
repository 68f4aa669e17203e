"""Shared fixtures: import paths, a running fabricsim per scenario, an ansible-playbook runner."""

from __future__ import annotations

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, '.venv', 'collections')
for path in (REPO, COLLECTIONS):
    if path not in sys.path:
        sys.path.insert(0, path)

from tests.lib.ansible_run import PlaybookRunner  # noqa: E402
from tests.lib.sim import SimPool  # noqa: E402


@pytest.fixture(scope='session')
def sim_pool(tmp_path_factory):
    pool = SimPool(tmp_path_factory.mktemp('fabricsim'))
    yield pool
    pool.close()


@pytest.fixture
def sim(sim_pool):
    """The 'small' scenario, reset to its initial state for each test."""
    return sim_pool.get('small')


@pytest.fixture
def playbook(tmp_path):
    return PlaybookRunner(tmp_path)
