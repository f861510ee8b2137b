import sys

from daemon.cli import main

sys.exit(main(["run"] if len(sys.argv) == 1 else sys.argv[1:]))
