"""``iso10002 serve``: the scheduled loop, webhook refreshes, the JSON API and metrics."""
