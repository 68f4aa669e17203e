# iofabric.core: `make demo` and `make test` are the README's two commands.
# Both bootstrap what they need first (Debian packages, .venv, collection path).

SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.venv/collections

.PHONY: all bootstrap demo test check sanity units integration lint molecule vm build bench soak clean mutation

all: test

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	@scripts/demo.sh $(if $(FLEET),--fleet $(FLEET))

test: bootstrap
	@scripts/test.sh

# The inner loop: fast unit tests and linters, no simulator, no ansible-playbook.
check: bootstrap
	@scripts/test.sh check

sanity units integration lint molecule vm: bootstrap
	@scripts/test.sh $@

# Speed and scale against the baselines (docs/performance.md); under 15 minutes on 2 cores.
bench: bootstrap
	@.venv/bin/python bench/run.py

# The long variants of the reliability suites (docs/reliability.md): run and recorded once per release.
soak: bootstrap
	@scripts/test.sh soak

# Mutation testing of the code that destroys or keeps state (docs/mutation.md); not part of `make test`,
# it takes long. MODULES=_iofabric.state.atomic limits it to some of tests/mutation/targets.toml.
mutation: bootstrap
	@.venv/bin/python scripts/mutation.py $(MODULES)

# Issue 21's breaks (tests/mutation/breaks.toml): each must fail at least one test; not part of `make test`.
.PHONY: breaks
breaks: bootstrap
	@.venv/bin/python scripts/breaks.py

build: bootstrap
	@mkdir -p build && ansible-galaxy collection build --force --output-path build .

clean:
	rm -rf build tests/output .pytest_cache
