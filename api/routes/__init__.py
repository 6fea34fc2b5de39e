"""JSON API routes, one module per concept."""
