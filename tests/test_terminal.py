import json

from stancepack.ground.terminal import printable, printable_json


def test_printable_escapes_every_control_character():
    assert printable("a\x1b[2Jb\x07c\td\ne\x7ff\x9bg\u00e9") == (
        "a\\x1b[2Jb\\x07c\\x09d\\x0ae\\x7ff\\x9bgé"
    )


def test_printable_json_escapes_del_and_c1_and_reads_back_the_same():
    value = {"title": "a\x1bb\x7fc\x85d\x9be\u00e9"}
    dumped = printable_json(json.dumps(value, ensure_ascii=False))
    assert dumped == '{"title": "a\\u001bb\\u007fc\\u0085d\\u009beé"}'
    assert json.loads(dumped) == value
