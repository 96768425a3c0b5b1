"""The one error type the command line turns into a readable message."""


class UsageError(Exception):
    """A problem the user fixes in params, files or environment variables."""
