"""The VM lane's bytecode cache for ansible's module payloads (installed in the guest by tests/vm/conftest.py).

A module runs from its AnsiballZ zip, and zipimport compiles every .py of the payload from source on each task
(it never writes bytecode): under TCG that is most of a task's cost. With IOFABRIC_ZIPCACHE set (the lane's plays
set it for their module processes only, never for the reconciler's units), the code objects are kept in
/var/cache/iofabric-zipcache, keyed by the SHA-256 of the source as a hash-based .pyc is (PEP 552): the same
source always runs as the same bytecode, so what a module does is unchanged; only its file name is the payload's
path of this run, as without the cache.
"""

import os


def _install() -> None:
    directory = os.environ.get('IOFABRIC_ZIPCACHE')
    if not directory or not directory.startswith('/'):
        return
    import hashlib
    import marshal
    import sys
    import types
    import zipimport

    compile_source = zipimport._compile_source  # pylint: disable=protected-access

    def refile(code, filename):
        consts = tuple(refile(item, filename) if isinstance(item, types.CodeType) else item for item in code.co_consts)
        return code.replace(co_filename=filename, co_consts=consts)

    def cached(pathname, source):
        key = hashlib.sha256(sys.version.encode() + b"\0" + (source if isinstance(source, bytes) else source.encode())).hexdigest()
        path = os.path.join(directory, key)
        try:
            with open(path, 'rb') as handle:
                return refile(marshal.loads(handle.read()), pathname)
        except (OSError, ValueError, EOFError, TypeError):
            pass
        code = compile_source(pathname, source)
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            temporary = '%s.%d' % (path, os.getpid())
            with open(temporary, 'wb') as handle:
                handle.write(marshal.dumps(code))
            os.replace(temporary, path)
        except OSError:
            pass
        return code

    zipimport._compile_source = cached  # pylint: disable=protected-access


_install()
