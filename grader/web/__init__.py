"""The local web app of ``mlquiz serve``: practice and the bank browser, on plain WSGI."""
