"""The content domain: models, schemas, queries and locales. Knows nothing of HTTP."""
