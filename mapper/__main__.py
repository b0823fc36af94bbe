"""`python -m mapper` runs the `mapper` command."""

import sys

from mapper.cli.main import main

sys.exit(main())
