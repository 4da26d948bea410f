"""Development tools, not part of the product (not in the wheel): the complaint generator, the
Zendesk and Jira sandboxes seeded from it, and ``make demo``. Run from a checkout."""
