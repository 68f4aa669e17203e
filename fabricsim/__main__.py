import sys

from fabricsim.cli import main

sys.exit(main())
