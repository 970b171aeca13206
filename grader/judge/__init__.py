"""Judging one answer: parse the submitted text, compare it within the part's tolerance, name the mistake, render the feedback."""
