"""All I/O: platform clients, sandboxes, write-back, store, service and the CLI."""
