"""All I/O: platform clients, write-back, store, service and the CLI."""
