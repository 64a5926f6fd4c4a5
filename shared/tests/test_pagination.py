"""List cursors: what one hands out comes back; anything else is a 422 naming `cursor`."""

import pytest

from csi_shared.errors import InvalidInput
from csi_shared.pagination import decode_cursor, decode_key, encode_key


def test_a_key_cursor_round_trips() -> None:
    assert decode_key(encode_key("D001", "RO-7"), 2) == ("D001", "RO-7")


@pytest.mark.parametrize("cursor", ["not base64 !", encode_key("D001"), encode_key("D001", "RO-7", "x"), "W10="])
def test_a_cursor_this_api_did_not_hand_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_key(cursor, 2)


def test_a_time_cursor_without_an_offset_is_refused() -> None:
    import base64
    import json

    naive = base64.urlsafe_b64encode(json.dumps(["2026-11-03T10:00:00", "x"]).encode()).decode()
    with pytest.raises(InvalidInput):
        decode_cursor(naive)
