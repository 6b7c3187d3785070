"""Options that several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

taxonomy_option = click.option(
    "--taxonomy",
    "taxonomy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar="STANCEPACK_TAXONOMY",
    help="Taxonomy YAML file (default: the packaged taxonomy; env STANCEPACK_TAXONOMY).",
)

# --force of the commands that write one file (-o FILE).
force_file_option = click.option(
    "--force",
    is_flag=True,
    help="Replace an existing output file (never one of the inputs, nor one inside them).",
)


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default=default or choices[0],
        show_default=True,
        help="Output format.",
    )
