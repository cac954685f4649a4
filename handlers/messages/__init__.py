"""The messages layer: catalogs (`i18n.t`), `Reply`, typed `Evidence` and pure `format_*` functions.

Handlers, jobs and the CLI all render through here; nothing in this package registers a command or
touches Telegram, so a job can import it without pulling in the chat commands.
"""
