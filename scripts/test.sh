#!/usr/bin/env bash
# Every test suite, in one go (make test), or one of them (make units, ...).
# Each step runs even if an earlier one failed; the exit status is 1 if any failed.
# pytest exits 5 when it collected nothing: that counts as a failure here, like any non-zero status.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$PWD/.venv/collections"

lint() {
    local rc=0 targets=()
    for target in playbooks roles extensions/molecule; do
        [[ -d $target ]] && targets+=("$target")
    done
    ansible-lint --offline "${targets[@]}" || rc=1
    antsibull-changelog lint || rc=1
    style || rc=1
    return "$rc"
}

# ruff, and pycodestyle with ansible-test's pep8 settings, so that `make check` catches what sanity would.
style() {
    local rc=0
    ruff check --quiet plugins fabricsim tests bench scripts || rc=1
    git ls-files -co --exclude-standard '*.py' | xargs python -m pycodestyle --max-line-length 160 \
        --ignore E402,W503,W504,E741,E203,E701,E704 || rc=1
    return "$rc"
}

run_step() {
    case "$1" in
        sanity) scripts/sanity.sh ;;
        units) python -m pytest tests/unit -q ;;
        # Each xdist worker runs its own simulators (own roots, own namespaces).
        integration) python -m pytest tests/integration -q -n "${IOFABRIC_TEST_WORKERS:-2}" ;;
        lint) lint ;;
        molecule) scripts/molecule.sh ;;
        # The real Debian 12 kernel in a QEMU VM (image built once, cached by recipe): docs/testing.md.
        vm) scripts/vm/lane.sh ;;
        style) style ;;
        # The long variants of the crash, concurrency and fuzzing suites, each on its own worker.
        soak) IOFABRIC_CRASH_ITERATIONS="${IOFABRIC_CRASH_ITERATIONS:-10000}" \
              IOFABRIC_SOAK_SECONDS="${IOFABRIC_SOAK_SECONDS:-900}" \
              IOFABRIC_FUZZ_ITERATIONS="${IOFABRIC_FUZZ_ITERATIONS:-100000}" \
              python -m pytest -q -n 3 tests/integration/reliability/test_crashes.py \
                  tests/integration/reliability/test_concurrency.py tests/unit/reliability/test_parsers_and_builders.py \
              && python scripts/reliability_summary.py ;;
        *) echo "unknown step $1" >&2; return 2 ;;
    esac
}

case "${1:-all}" in
    all) steps=(sanity units integration lint molecule vm) ;;
    check) steps=(style units) ;;
    *) steps=("$1") ;;
esac

declare -A status seconds
failed=0
mkdir -p build
for step in "${steps[@]}"; do
    echo "=== $step"
    start=$SECONDS
    run_step "$step" 2>&1 | tee "build/test-$step.log"
    rc=${PIPESTATUS[0]}
    seconds[$step]=$((SECONDS - start))
    if (( rc == 0 )); then status[$step]=ok; else status[$step]="FAILED (exit $rc)"; failed=1; fi
done
echo
echo "=== summary"
for step in "${steps[@]}"; do
    printf '%-12s %-20s %5ss\n' "$step" "${status[$step]}" "${seconds[$step]}"
done
# Last, so that a CI page showing only the tail still says what failed.
for step in "${steps[@]}"; do
    [[ ${status[$step]} == ok ]] || python3 scripts/failure_digest.py "$step" "build/test-$step.log"
done
exit "$failed"
