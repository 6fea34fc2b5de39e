"""Server-rendered pages (Jinja2), Vietnamese first."""
