"""Further `veille` commands, one module each, registered by `crawler.cli`.

A module here defines `COMMANDS`: a list of click commands or groups. It may import helpers
from `crawler.cli` inside its functions (`_open_store`, `VeilleError`); shared options such as
`db_option` come from `crawler.options`.
"""
