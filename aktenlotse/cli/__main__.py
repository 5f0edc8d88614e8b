"""`python -m aktenlotse.cli`: the same command line as the `aktenlotse` script."""

import sys

from aktenlotse.cli.main import main

sys.exit(main())
