#!/usr/bin/env bash
# A Debian booted under a real systemd with systemd-nspawn, for the reconciler role's test.
#
#   machine.sh image DIR        copy the cached image to DIR/root (debootstrap it once per machine)
#   machine.sh start DIR BIND   boot DIR/root with BIND bind-mounted at the same path; wait for systemd
#   machine.sh stop DIR         power it off (SIGTERM to nspawn halts the container), then wait
#
# systemd is not PID 1 on this host, so the container is not registered with machined
# (--register=no); DIR/init.pid holds its init's pid for nsenter (tests/lib/connection).
set -euo pipefail

cmd=${1:?usage: machine.sh image|start|stop DIR [BIND]}
dir=${2:?DIR is required}
cache="${IOFABRIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iofabric}/nspawn"
suite=bookworm
mirror=${IOFABRIC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=systemd,systemd-sysv,dbus,python3,python3-pyroute2,python3-jsonschema
# Debian 12's python3-pyroute2 (0.7.2) is older than the collection's minimum: as an admin would, a newer one
# from PyPI goes into /usr/local (ahead of /usr/lib on Python's path). Pure Python, installed from the host.
pip_packages=pyroute2==0.9.7
stamp="$suite minbase $packages $pip_packages"

image() {
    if [[ "$(cat "$cache/stamp" 2>/dev/null)" != "$stamp" ]]; then
        echo "machine.sh: building the $suite image in $cache (once per machine, about a minute)"
        rm -rf "$cache/root.tmp" "$cache/stamp"
        mkdir -p "$cache"
        debootstrap --variant=minbase --include="$packages" "$suite" "$cache/root.tmp" "$mirror" > "$cache/debootstrap.log"
        python3 -m pip install -q --no-deps --target "$cache/root.tmp/usr/local/lib/python3.11/dist-packages" $pip_packages
        rm -rf "$cache/root"
        mv "$cache/root.tmp" "$cache/root"
        echo "$stamp" > "$cache/stamp"
    fi
    rm -rf "$dir/root"
    mkdir -p "$dir"
    cp -a "$cache/root" "$dir/root"
}

in_machine() {
    nsenter -t "$(cat "$dir/init.pid")" -m -u -i -n -p -- "$@"
}

start() {
    local bind=${1:?BIND is required} nspawn init state
    # --keep-unit: without a system bus nspawn cannot allocate a scope unit of its own.
    setsid systemd-nspawn --quiet --directory="$dir/root" --boot --register=no --keep-unit --machine=iofabric-systemd \
        --bind="$bind" < /dev/null > "$dir/console.log" 2>&1 &
    nspawn=$!
    echo "$nspawn" > "$dir/nspawn.pid"
    for _ in $(seq 300); do
        init=$(pgrep -P "$nspawn" | head -n 1 || true)
        [[ -n "$init" ]] && break
        kill -0 "$nspawn" 2> /dev/null || break
        sleep 0.1
    done
    [[ -n "${init:-}" ]] || { echo "machine.sh: the container did not start"; cat "$dir/console.log"; exit 1; }
    echo "$init" > "$dir/init.pid"
    # Up to 180 s: a loaded 2-core machine boots a container's systemd in well over a minute at worst.
    # The init is nspawn's child named systemd: the first child found above may be a helper that
    # nspawn forks and reaps during start-up, so it is looked up again until systemd answers.
    for _ in $(seq 1800); do
        init=$(pgrep -x -P "$nspawn" systemd | head -n 1 || true)
        [[ -n "$init" ]] && echo "$init" > "$dir/init.pid"
        state=$(in_machine systemctl is-system-running 2> /dev/null || true)
        case "$state" in
            running|degraded) echo "machine.sh: booted ($state), init pid $init"; return 0 ;;
        esac
        sleep 0.1
    done
    echo "machine.sh: systemd did not finish booting (state: ${state:-unknown}); its console:"
    tail -40 "$dir/console.log"
    exit 1
}

stop() {
    local nspawn
    nspawn=$(cat "$dir/nspawn.pid" 2> /dev/null || true)
    if [[ -n "$nspawn" ]] && kill -0 "$nspawn" 2> /dev/null; then
        kill -TERM "$nspawn"
        for _ in $(seq 300); do
            kill -0 "$nspawn" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$nspawn" 2> /dev/null || true
    fi
    rm -f "$dir/nspawn.pid" "$dir/init.pid"
}

case "$cmd" in
    image) image ;;
    start) start "${3:-}" ;;
    stop) stop ;;
    *) echo "machine.sh: unknown command $cmd" >&2; exit 2 ;;
esac
