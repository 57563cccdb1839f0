import sys

from segments.cli import main

sys.exit(main())
