"""Subcommands of the ``gradlab`` command line, one module each."""
