"""The gazetteer is read like the taxonomy: strict YAML, one-line errors naming the line."""

import pytest

from stancepack.schema.gazetteer import GazetteerError, load_gazetteer
from tests.permissions import needs_enforced_permissions

GAZETTEER = """\
actors:
  - name: France
    type: country
    aliases: [Paris]
"""


def _refused(path, message):
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(path)
    assert str(caught.value) == f"{path}: {message}"


def test_duplicate_keys_in_the_gazetteer_are_refused_with_their_line(tmp_path):
    path = tmp_path / "actors.yaml"
    path.write_text(GAZETTEER, encoding="utf-8")
    assert [actor.name for actor in load_gazetteer(path).actors] == ["France"]
    path.write_text(GAZETTEER + "    type: person\n", encoding="utf-8")
    _refused(path, "line 5: duplicate key 'type' (first on line 3)")
    path.write_text(GAZETTEER + "actors: []\n", encoding="utf-8")
    _refused(path, "line 5: duplicate key 'actors' (first on line 1)")


def test_gazetteer_nested_thousands_of_levels_deep(tmp_path):
    path = tmp_path / "actors.yaml"
    path.write_text(GAZETTEER + "    aliases: " + "{a: " * 4000 + "}" * 4000 + "\n", "utf-8")
    _refused(path, "line 5: nested deeper than 100 levels")


@needs_enforced_permissions
def test_gazetteer_without_read_permission(tmp_path):
    path = tmp_path / "actors.yaml"
    path.write_text(GAZETTEER, encoding="utf-8")
    path.chmod(0)
    _refused(path, "cannot be read (Permission denied)")


def test_gazetteer_that_is_a_broken_link(tmp_path):
    path = tmp_path / "actors.yaml"
    path.symlink_to(tmp_path / "moved.yaml")
    _refused(path, "broken symbolic link (its target does not exist)")
