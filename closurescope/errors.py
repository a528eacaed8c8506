"""The error hierarchy. Only the CLI turns these into exit codes (2 for all of them)."""

from __future__ import annotations


class ClosurescopeError(Exception):
    """Base of every error closurescope raises on purpose; its str() is one line for the user."""

    exit_code = 2


class UsageError(ClosurescopeError):
    """The command line asks for something impossible (unknown option value, missing input)."""


class ConfigError(ClosurescopeError):
    """A configuration file or value is wrong; the message names the key and the bad value."""


class LoadError(ClosurescopeError):
    """An input cannot be read: the message names the file and the problem.

    Args:
        source: what the user passed (a path, ``-`` or ``FORMAT:path``), or the file inside it.
        problem: one line saying what is wrong.
    """

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class UnknownFormatError(LoadError):
    """No loader recognises the input (the message lists the known format names)."""


class ToolMissingError(ClosurescopeError):
    """An external program (``nix``, ``dot``) is needed and not installed."""
