import atexit
import os
import sys

from .cli import main

code = main()
if os.environ.get("PIPELINE_SLOW_EXIT"):       # a normal exit (for tools that act at exit: cProfile)
    sys.exit(code)
# Everything is written and closed by now. Tearing down the interpreter's modules (pyarrow, numpy,
# pydantic, duckdb: 0.1-0.15 s, a tenth of a one-article run) does nothing for the outputs, so the
# process ends here: the exit handlers run (the pattern cache is saved by one), the standard
# streams are flushed, and the process exits with the command's code.
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except (OSError, ValueError):
        pass
os._exit(0 if code is None else code)
