"""``python -m callswitch``: the same as the ``callswitch`` command (``callswitch.cli:main``)."""

import sys

from callswitch.cli import main

if __name__ == "__main__":
    sys.exit(main())
