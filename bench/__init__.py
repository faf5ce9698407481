"""The sidecar against the official Python client and the rate-limit floor, as ratios.

`python -m bench` (see `__main__.py`) starts the fake Tracker on loopback, runs every scenario
several times, each with its baseline in the same run, and prints a table of medians and
ratios. Linux only (memory and CPU are read from /proc).
"""
