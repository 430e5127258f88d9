"""Greenlight's benchmark, run with `make bench` (`python -m bench`); not part of the tests."""
