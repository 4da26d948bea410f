"""Local Zendesk and Jira API servers for tests, benchmarks and the demo, seeded from
:mod:`devtools.generator`."""
