"""Where things are."""

import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
COLLECTIONS = os.path.join(REPO, '.venv', 'collections')
BUILD = os.path.join(REPO, 'build', 'bench')
RESULTS = os.path.join(REPO, 'bench', 'results')
