"""Errors shared across newswatch.

`UserError` is what the CLI turns into one line on stderr and exit code 1; anything else that
escapes is a bug. `TransientError` marks what a task may retry (network, database restarts).
"""


class NewswatchError(Exception):
    """Base of every error newswatch raises on purpose."""


class UserError(NewswatchError):
    """Bad input from a person: shown as one line, exit code 1, nothing written."""


class ConfigError(UserError):
    """A setting from the environment is missing or malformed."""


class NotFound(UserError):
    """An id or URL that names nothing."""


class TransientError(NewswatchError):
    """Worth retrying later: the failure is in the world, not in the input."""


class StaleIncident(NewswatchError):
    """The incident changed under the caller (merged into another meanwhile): read it again."""
