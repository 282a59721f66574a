#!/usr/bin/env python3
"""Fails when a Catch2 TEST_CASE name would break ctest's registration.

catch_discover_tests passes each name to ctest as a list element, so a ';'
splits one test into two that match nothing, and a name starting with '-'
reads as an option to the test binary. Both then "fail" without running.
"""
import pathlib
import re
import sys

NAME = re.compile(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
PIECE = re.compile(r'"((?:[^"\\]|\\.)*)"')

root = pathlib.Path(sys.argv[1])
bad = []
for path in sorted(root.rglob("*.cc")):
    text = path.read_text(encoding="utf-8", errors="replace")
    for match in NAME.finditer(text):
        name = "".join(PIECE.findall(match.group(1)))
        if ";" in name or name.startswith("-"):
            line = text.count("\n", 0, match.start()) + 1
            bad.append(f"{path}:{line}: {name!r}")
if bad:
    print("test names with ';' or a leading '-' (ctest cannot run them):")
    print("\n".join(bad))
    sys.exit(1)
print(f"test names OK under {root}")
