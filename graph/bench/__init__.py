"""`cisfilm bench`: validation, loading, stored templates and RDF export on synthetic
data (`synthetic`), each figure a ratio against a baseline run in the same process on
the same data, marked against the targets.

Absolute numbers on a shared 2-core machine are noisy, and the noise drifts over
minutes: every measure is warmed up on a small set of the same shape, then timed in
interleaved rounds with its baselines (`common.rounds`). Times are medians over the
rounds; a ratio is the median of the rounds' ratios. One module per section
(`validation`, `load`, `templates`, `rdf`); `runner` runs them and `report` renders.
"""
from graph.bench.report import print_report, write_into
from graph.bench.runner import parse_scale, parse_sections, run

__all__ = ["parse_scale", "parse_sections", "print_report", "run", "write_into"]
