import subprocess
import sys
import zipfile

import pytest
from click.testing import CliRunner

from stancepack import __version__
from stancepack.cli import COMMANDS, SUMMARIES, cli
from tests.helpers import REPO


def _all_commands():
    """(path, command) for every command and subcommand the CLI offers."""
    found = []

    def walk(path, command):
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk([*path, name], sub)

    group = cli
    for name in COMMANDS:
        walk([name], group.get_command(None, name))
    return found


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"stancepack, version {__version__}\n"


def test_help_lists_every_command_with_its_summary():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, summary in SUMMARIES.items():
        assert f"  {name}" in result.stdout and summary in result.stdout
    assert set(SUMMARIES) == set(COMMANDS)


@pytest.mark.parametrize(
    ("path", "command"), _all_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_every_command_has_help_with_an_example(path, command):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout
    assert f"stancepack {' '.join(path[:1])}" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from stancepack.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'pandera', 'datasets', 'label_studio_sdk', 'pyarrow')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "HEAVY="


def test_readme_gives_the_two_setup_commands_that_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- main-command -->" in readme and "<!-- test-command -->" in readme
    main = readme.split("<!-- main-command -->")[1].split("```")[1].strip().splitlines()[-1]
    assert main.endswith("stancepack up")
    assert "<!-- test-command -->" in ci


def test_wheel_installs_one_import_package(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("stancepack-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"stancepack", f"stancepack-{__version__}.dist-info"}
    for module in (
        "schema/taxonomy.py",
        "schema/taxonomy.yaml",
        "schema/organizations.yaml",
        "schema/gazetteer.py",
        "ground/errors.py",
        "ground/labelstudio/client.py",
        "annotate/articles.py",
        "annotate/rules_en.yaml",
        "export/__init__.py",
        "export/read/stream.py",
        "export/validate/checks.py",
        "export/dataset/package.py",
        "cli.py",
        "commands/export.py",
    ):
        assert f"stancepack/{module}" in names
