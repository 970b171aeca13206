"""Exams: manifest, rosters, sheets and keys, submissions, batch grading, class reports."""
