"""Benchmarks of regionsync: each `bench/*_bench.py` module has a `main()` that prints its numbers.

`make bench` (`python -m bench`) runs them all; every bench measures its baseline in the same run
and prints ratios, so the numbers mean something on any machine.
"""
