"""The base of every generated model: parse from and dump to the exact wire JSON."""

from __future__ import annotations

from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


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
        # validate_wire and dump_wire below, inlined: one Python call less per message.
        validator = cls.__pydantic_validator__
        result: Self = validator.validate_python(data, by_alias=True, by_name=False)
        return result

    def to_wire(self) -> dict[str, Any]:
        dumped: dict[str, Any] = self.__pydantic_serializer__.to_python(
            self, mode="json", by_alias=True, exclude_unset=True
        )
        return dumped


# pydantic's model_validate and model_dump wrap the model's validator and serializer in Python
# that costs about as much as the work itself on a small object (measured in docs/performance.md:
# a Task round trip is about 1.7x faster without them). Both call them directly, with the same
# arguments model_validate and model_dump would pass. A model whose build was deferred builds on
# the first attribute access of its validator or serializer, as model_validate would build it.


def validate_wire(model: type[M], data: Any) -> M:
    """`model.model_validate(data, by_alias=True, by_name=False)`: wire names only."""
    result: M = model.__pydantic_validator__.validate_python(data, by_alias=True, by_name=False)
    return result


def dump_wire(instance: BaseModel) -> dict[str, Any]:
    """`instance.model_dump(mode="json", by_alias=True, exclude_unset=True)`: the wire JSON."""
    dumped: dict[str, Any] = instance.__pydantic_serializer__.to_python(
        instance, mode="json", by_alias=True, exclude_unset=True
    )
    return dumped
