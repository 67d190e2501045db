"""The app layer (top floor): builds Aisle's services from ``Settings`` and hands them to the CLI and the server.

Nothing below this package imports it; see docs/architecture.md.
"""
