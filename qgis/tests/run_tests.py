"""Runs the QGIS provider's tests headless under Debian's QGIS (/usr/bin/python3 with python3-qgis):
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/tests/run_tests.py [-v] [NAME_FILTER]
HYDROTOOL names the executable (default: .build/debug/hydrotool). Ends with "N passed, N failed"
and exits non-zero if any test failed."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import support  # noqa: E402  (sets up paths and QT_QPA_PLATFORM before QGIS is imported)

MODULES = ["test_progress", "test_provider", "test_algorithms", "test_errors", "test_styles", "test_package"]


def main():
    verbose = "-v" in sys.argv
    filters = [a for a in sys.argv[1:] if not a.startswith("-")]
    support.start()
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for name in MODULES:
        module = __import__(name)
        for test in _flatten(loader.loadTestsFromModule(module)):
            if not filters or any(f in test.id() for f in filters):
                suite.addTest(test)
    started = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2 if verbose else 1, stream=sys.stdout).run(suite)
    support.finish()
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print("QGIS provider: {} passed, {} failed ({:.0f} s)".format(passed, failed, time.monotonic() - started))
    return 1 if failed or result.testsRun == 0 else 0


def _flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


if __name__ == "__main__":
    sys.exit(main())
