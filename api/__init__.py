"""Adapters around the domain core: the HTTP API, the web UI and the `planflow` CLI."""
