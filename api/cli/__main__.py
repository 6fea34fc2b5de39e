"""`python -m api.cli` runs the planflow CLI."""

from api.cli import main

main()
