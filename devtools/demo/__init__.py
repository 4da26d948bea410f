"""``make demo`` / ``python -m devtools.demo``: the whole product end to end, locally.

Starts the Zendesk and Jira Cloud sandboxes on loopback (seeded by ``devtools.generator``),
writes a demo config, runs ``iso10002 run`` through the command line as a deployment would
(sync -> check -> write-back applied -> reports), prints a summary, then plays a team lead who
fixes flagged tickets through the API and runs again. See README "Five-minute tour".
"""
