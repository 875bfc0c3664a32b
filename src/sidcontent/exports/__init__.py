"""The export pipeline: the service that runs an export end to end, the
records and artifact store, and the sandbox that runs a plugin's exporter in
its own process.

Plugins never import this package; they import :mod:`sidcontent.exporting`.
"""
