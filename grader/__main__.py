"""``python -m grader`` runs the mlquiz command line."""

from grader.cli import main

main()
