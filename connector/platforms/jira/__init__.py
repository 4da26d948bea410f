"""Jira connector (Cloud, Data Center, Service Management).

``client`` talks HTTP through the shared core (``connector.http``) with our retry policy, ``reader``
pulls raw complaint payloads, ``writer`` applies write-back plans, ``commands`` holds the
functions the CLI calls (the local Jira API server for tests is ``devtools.sandboxes.jira``).
"""
