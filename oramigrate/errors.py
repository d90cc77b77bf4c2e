"""Typed errors of the migration library; the CLI alone turns them into exit codes."""

from __future__ import annotations


class MigrationError(Exception):
    """Base class of every expected failure: the CLI prints its message on one line."""

    exit_code = 1


class ConfigurationError(MigrationError):
    """A setting is missing, malformed or unsafe."""

    exit_code = 2


class DatabaseUnavailable(MigrationError):
    """The database could not be reached or refused the login."""


class UnsupportedOperation(MigrationError):
    """An operation the target database cannot perform, with the alternatives."""
