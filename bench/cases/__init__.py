"""The measurements of bench/run.py, one module each."""
