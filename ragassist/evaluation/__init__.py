"""Evaluation: suites, metrics and reports behind `ragassist eval` (see eval/README.md)."""
