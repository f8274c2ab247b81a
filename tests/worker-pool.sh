#!/bin/sh
# worker-pool.sh - the README's demo, smaller: 200 jobs and 3 workers, the
# dispatcher SIGKILLed at a quarter, the next one stopped at three fifths.
# The demo itself fails unless every job is done exactly once.
exec "${top_srcdir:-.}/examples/worker-pool/demo" --jobs 200 --workers 3 --build-dir "${top_builddir:-.}"
