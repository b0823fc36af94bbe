"""`python -m mapper` runs the `mapper` command."""

import sys

from mapper.cli import main

sys.exit(main())
