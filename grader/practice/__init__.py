"""Self-testing practice: sessions, the SQLite progress store, the schedule, progress reports."""
