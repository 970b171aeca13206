"""Exams: the typed manifest, rosters, sheets and keys, submissions, batch grading and class reports."""
