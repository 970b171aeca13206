"""Judging one answer: parse it, compare within tolerance, name the mistake, give feedback."""
