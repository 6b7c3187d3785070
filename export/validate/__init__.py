"""Validating an export: flattening results into rows, the checks (in one pass, in chunks or
in two halves), the issues and the reports.
"""
