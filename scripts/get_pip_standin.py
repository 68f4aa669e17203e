"""Stand-in for ansible-test's downloaded get-pip script, for networks that cannot reach it.

ansible-test runs this file in-process with runpy and pip's arguments in sys.argv.
pip is seeded with ensurepip in a subprocess (in-process ensurepip drops pip's
configuration, and with it the certificate settings), then the requested install runs
without the get-pip-only options.
"""
import subprocess
import sys

GET_PIP_ONLY = {'--no-setuptools', '--no-wheel'}


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    if args and args[0] != 'install':
        args.insert(0, 'install')
    sys.exit(subprocess.call([sys.executable, '-m', 'pip'] + args))


if __name__ == '__main__':
    main()
