"""The ``stancepack`` command line. Commands load their modules only when they run, so
``stancepack --help`` stays fast and heavy libraries load only where a command needs them."""

from __future__ import annotations

import importlib
from typing import Any

import click

from stancepack import __version__
from stancepack.errors import StancepackError

# command name -> "module:attribute" of its click command.
COMMANDS = {
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
}

# One-line summaries shown by ``stancepack --help`` without importing the commands.
SUMMARIES = {
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
        try:
            return super().invoke(ctx)
        except StancepackError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="stancepack")
def cli() -> None:
    """Turn news articles into a validated, shareable stance dataset.

    Annotate actors, their stances and the roles they propose in Label Studio, validate
    the export with pandera, and package it as a Hugging Face dataset.

    Example:

        stancepack up
    """


def main() -> None:
    cli()
