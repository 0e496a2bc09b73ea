"""`python -m aiprogress.api` runs the `aiprogress` command."""

from .cli import main

main()
