"""``python -m npae ...`` runs the command line (same as the ``npae`` script)."""

import sys

from .cli import main

sys.exit(main())
