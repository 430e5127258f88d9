"""Offline stand-ins for AWS and the runners built on them (demo, replay, sample events).

The functions' code root (functions/, their CodeUri) goes on sys.path here, as Lambda puts
a function's package root on it, so every runner imports `greenlight` the same way.
"""

import sys
from pathlib import Path

FUNCTIONS = str(Path(__file__).resolve().parent.parent / "functions")
if FUNCTIONS not in sys.path:
    sys.path.insert(0, FUNCTIONS)
