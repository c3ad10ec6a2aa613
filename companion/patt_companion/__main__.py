import sys

from patt_companion.cli import main

sys.exit(main())
