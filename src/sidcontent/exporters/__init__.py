"""Built-in exporters, each a plugin registered through the public hooks."""
