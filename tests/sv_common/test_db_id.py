"""``DbId`` takes a database id as a plain JSON integer only: never a bool, a string or a float
(lax parsing would read ``true`` as 1 and ``"015"``, ``15.0`` and ``1e1`` as ids)."""

import pytest
from pydantic import BaseModel, ValidationError

from sv_common.validation import INT32_MAX, DbId


class Body(BaseModel):
    player_id: DbId
    other_id: DbId | None = None


@pytest.mark.parametrize(
    "raw", ["true", "false", '"015"', '"15"', "15.0", "1e1", "0", "-5", str(INT32_MAX + 1), "10" * 16]
)
def test_json_ids_other_than_plain_integers_in_range_are_refused(raw):
    with pytest.raises(ValidationError) as refused:
        Body.model_validate_json(f'{{"player_id": {raw}}}')
    assert refused.value.errors()[0]["loc"] == ("player_id",)
    with pytest.raises(ValidationError):
        Body.model_validate_json(f'{{"player_id": 1, "other_id": {raw}}}')


@pytest.mark.parametrize("raw", [True, "15", 15.0, "015"])
def test_python_values_are_strict_too(raw):
    # FastAPI validates a parsed JSON body as Python values: the same rule must hold there.
    with pytest.raises(ValidationError):
        Body.model_validate({"player_id": raw})


def test_plain_integers_and_null_are_accepted():
    assert Body.model_validate_json('{"player_id": 15, "other_id": null}').player_id == 15
    assert Body.model_validate({"player_id": INT32_MAX, "other_id": 1}).other_id == 1
