"""Webhooks after the Standard Webhooks specification.

``models``: endpoints, deliveries and their attempts. ``signing``: secrets
and signatures (the ``standardwebhooks`` library). ``delivery``: fan-out of
the event outbox into one delivery per endpoint, one attempt over HTTP, the
retry schedule. ``dispatcher``: the background thread that runs deliveries.
"""
