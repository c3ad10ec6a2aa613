"""Drift's domain logic: the rule registry, scans, officer actions, mitigations, reports."""
