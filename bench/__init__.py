"""The benchmark behind ``make bench``: each script runs as ``python -m bench.NAME``."""
