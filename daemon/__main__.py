import sys

from daemon.ops.cli import main

# Guarded: the page-decoder process (daemon/xero/decoding.py, multiprocessing's forkserver) imports the main module
# again, and must not start a second daemon there.
if __name__ == "__main__":
    sys.exit(main(["run"] if len(sys.argv) == 1 else sys.argv[1:]))
