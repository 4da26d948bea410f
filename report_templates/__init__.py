"""Jinja2 templates and the pure view-models that feed them."""
