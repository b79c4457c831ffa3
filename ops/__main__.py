"""`python -m ops` is the `newswatch` command."""

from ops.cli import main

main()
