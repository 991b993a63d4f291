"""Councils: the local administrations that receive demands, and their staff accounts."""
