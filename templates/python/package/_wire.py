"""The base of every generated model: parse from and dump to the exact wire JSON."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel


class WireModel(BaseModel):
    """A model of one JSON object of the protocol.

    `from_wire` accepts wire names only (a snake_case key is an unknown member, kept where the
    object is open); `to_wire` gives back exactly what was parsed: `null` stays `null`, an absent
    optional member stays absent, unknown members survive.
    """

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        return cls.model_validate(data, by_alias=True, by_name=False)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
