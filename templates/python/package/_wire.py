"""The base of every generated model: parse from and dump to the exact wire JSON."""

from __future__ import annotations

from typing import Any, ClassVar, Self, TypeVar

from pydantic import MISSING, BaseModel, ConfigDict

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

    # Whether a dump must leave out members that were never set. Every optional member of a
    # generated model defaults to MISSING, which pydantic never dumps: an unset member is then
    # absent anyway, and the serializer need not consult the set of fields that were set (about
    # 15% of a Task round trip). A subclass with any other default (a hand-written one) keeps
    # exclude_unset, so that its defaults never appear on the wire: its to_wire is the one below
    # that passes it (chosen once per class here, not tested on every dump).
    __wire_exclude_unset__: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.__wire_exclude_unset__ = any(
            not field.is_required() and field.default is not MISSING
            for field in cls.__pydantic_fields__.values()
        )
        if cls.__wire_exclude_unset__:
            cls.to_wire = WireModel._to_wire_excluding_unset  # type: ignore[method-assign]

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        # validate_wire and dump_wire below, inlined: one Python call less per message.
        validator = cls.__pydantic_validator__
        result: Self = validator.validate_python(data, by_alias=True, by_name=False)
        return result

    def to_wire(self) -> dict[str, Any]:
        dumped: dict[str, Any] = self.__pydantic_serializer__.to_python(
            self, mode="json", by_alias=True
        )
        return dumped

    def _to_wire_excluding_unset(self) -> dict[str, Any]:
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
    """`instance.model_dump(mode="json", by_alias=True, exclude_unset=True)`: the wire JSON
    (without consulting the fields set where that changes nothing: see WireModel)."""
    exclude_unset = not isinstance(instance, WireModel) or instance.__wire_exclude_unset__
    dumped: dict[str, Any] = instance.__pydantic_serializer__.to_python(
        instance, mode="json", by_alias=True, exclude_unset=exclude_unset
    )
    return dumped
