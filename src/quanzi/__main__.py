import sys

from quanzi.cli import main

sys.exit(main())
