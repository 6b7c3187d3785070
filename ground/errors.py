"""Domain errors. The library raises them with messages written for users; the CLI prints
them as one line and exits non-zero, without a traceback."""


class StancepackError(Exception):
    """Base of every error a user can cause and fix."""


class OutputError(StancepackError):
    """An output cannot be written where it was asked for, or would lose the user's files."""


class TaxonomyError(StancepackError):
    """The taxonomy file is missing, malformed or has an invalid entry."""


class ArticleError(StancepackError):
    """An article file, folder or manifest cannot be read as articles."""


class ServerError(StancepackError):
    """The local Label Studio server cannot be started, reached or stopped."""

    log_tail: list[str]  # set when the server exited during start-up: its log's last lines


class LabelStudioError(StancepackError):
    """A Label Studio server refused or failed a request."""


class ExportError(StancepackError):
    """An export file cannot be read as a Label Studio full JSON export."""


class PackageError(StancepackError):
    """A dataset cannot be packaged or rehydrated."""


class DiscourseError(StancepackError):
    """A dataset cannot give the network or figure asked for."""
