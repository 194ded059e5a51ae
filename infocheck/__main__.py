"""python -m infocheck: the same as the infocheck command."""
import sys

from infocheck.cli import main

sys.exit(main())
