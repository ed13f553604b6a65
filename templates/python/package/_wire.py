"""The base of every generated model: parse from and dump to the exact wire JSON."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A model of one JSON object of the protocol.

    `from_wire` accepts wire names only (a snake_case key is an unknown member, kept where the
    object is open); `to_wire` gives back exactly what was parsed: `null` stays `null`, an absent
    optional member stays absent, unknown members survive.
    """

    # Validators and serializers are built on a model's first use, not when its class statement
    # runs: `import mcp_tasks` then costs the class statements only, and a program pays for the
    # models it touches (subclasses inherit the setting).
    model_config = ConfigDict(defer_build=True)

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        return cls.model_validate(data, by_alias=True, by_name=False)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
