"""fabricsim: a kernel-faithful simulator of the IO fabric hardware iofabric.core manages.

The model is pure Python (one module per driver) and can be driven in process; the daemon
mounts it over FUSE at <root>/sys and <root>/proc and installs stand-in tools under
<root>/usr/sbin. See docs/fabricsim.md.
"""

__version__ = '0.1.0'
