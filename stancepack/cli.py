"""The ``stancepack`` command line. Commands load their modules only when they run, so
``stancepack --help`` stays fast and heavy libraries load only where a command needs them."""

from __future__ import annotations

import importlib
import logging
import signal
from types import FrameType
from typing import Any

import click

from stancepack import __version__
from stancepack.ground.errors import StancepackError
from stancepack.ground.terminal import printable

# command name -> "module:attribute" of its click command.
COMMANDS = {
    "init": "stancepack.commands.init:init",
    "schema": "stancepack.commands.schema:schema",
    "articles": "stancepack.commands.articles:articles",
    "serve": "stancepack.commands.server:serve",
    "project": "stancepack.commands.project:project",
    "up": "stancepack.commands.project:up",
    "pull": "stancepack.commands.export:pull",
    "validate": "stancepack.commands.export:validate",
    "package": "stancepack.commands.dataset:package",
    "agreement": "stancepack.commands.dataset:agreement",
    "rehydrate": "stancepack.commands.dataset:rehydrate",
    "network": "stancepack.commands.network:network",
    "plot": "stancepack.commands.network:plot",
    "gazetteer": "stancepack.commands.gazetteer:gazetteer",
    "annotators": "stancepack.commands.team:annotators",
    "status": "stancepack.commands.team:status",
    "curate": "stancepack.commands.team:curate",
    "preannotate": "stancepack.commands.preannotate:preannotate",
}

# One-line summaries shown by ``stancepack --help`` without importing the commands.
SUMMARIES = {
    "init": "Start a new debate: its taxonomy, articles and actors.",
    "schema": "Show the taxonomy and render the codebook.",
    "articles": "Ingest and list news articles.",
    "serve": "Start or stop the local Label Studio server.",
    "project": "Create and sync Label Studio projects from articles.",
    "up": "Start the local server and open the seed project (the main job).",
    "pull": "Download a full JSON export of a Label Studio project.",
    "validate": "Check a Label Studio export against the taxonomy.",
    "package": "Package a validated export as a Hugging Face dataset.",
    "agreement": "Inter-annotator agreement of an export.",
    "rehydrate": "Restore article texts into a standoff dataset.",
    "network": "Write a discourse network (DNA) of a dataset.",
    "plot": "Draw a figure of a dataset.",
    "gazetteer": "Propose the actors of a corpus as a gazetteer file.",
    "annotators": "Add and list the annotator accounts of the organisation.",
    "status": "Progress of a project: annotations, disputes, agreement.",
    "curate": "Put adjudicated disputes into Label Studio for the curator.",
    "preannotate": "Pre-annotate articles into a Label Studio import file.",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, and which turns domain errors
    into one-line ``Error: ...`` messages with exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        show_warnings()
        try:
            return super().invoke(ctx)
        except StancepackError as error:
            raise click.ClickException(printable(str(error))) from None


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="stancepack")
def cli() -> None:
    """Turn news articles into a validated, shareable stance dataset.

    Annotate actors, their stances and the roles they propose in Label Studio, validate
    the export with pandera, and package it as a Hugging Face dataset.

    Example:

        stancepack up
    """


# Exit status of a run ended by SIGTERM, as a shell reports it (128 + signal number).
TERMINATED_EXIT = 128 + signal.SIGTERM


class WarningLines(logging.Handler):
    """Each record of the library's logger as one ``warning: ...`` line on standard error
    (looked up when written, so that a redirected stream is honoured)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"warning: {printable(record.getMessage())}", err=True)


def show_warnings() -> None:
    """Print the library's warnings (the ``stancepack`` logger) on standard error."""
    logger = logging.getLogger("stancepack")
    if not any(isinstance(handler, WarningLines) for handler in logger.handlers):
        logger.addHandler(WarningLines(logging.WARNING))
        logger.propagate = False


def terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends a command as Ctrl-C does: outputs being written are cleaned up."""
    raise SystemExit(TERMINATED_EXIT)


def main() -> None:
    signal.signal(signal.SIGTERM, terminate)
    cli()


if __name__ == "__main__":
    main()
