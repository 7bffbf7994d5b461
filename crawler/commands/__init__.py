"""The `veille` commands, one module each, registered by `crawler.cli`.

A module here defines `COMMANDS`: a list of click commands or groups. It imports what commands
share (options, `open_store`, `VeilleError`) from `crawler.options`, never from `crawler.cli`,
and raises `VeilleError` for anything the user can fix: the CLI prints it as one line.
"""
