"""Self-testing practice: interactive sessions, the SQLite progress store, the Leitner schedule and progress reports."""
