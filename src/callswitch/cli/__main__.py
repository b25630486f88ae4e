"""``python -m callswitch.cli``: the same as the ``callswitch`` command."""

import sys

from callswitch.cli import main

sys.exit(main())
