"""Marshmallow fields shared by the API schemas."""

from marshmallow import fields, validate

# The range of the integer columns: a larger id is refused with a 422, not sent to the database.
INT_MAX = 2**31 - 1


def Id(**kwargs) -> fields.Integer:
    """The id of a row (a member, an episode…): a positive 32-bit integer."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=INT_MAX), **kwargs)


def Number(**kwargs) -> fields.Integer:
    """A version number: 0 (none yet) or more, within the column's range."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=INT_MAX), **kwargs)


def Computed(serialize, type: str, *, nullable: bool = False, **schema) -> fields.Function:
    """A value computed from the object, with its JSON type (and `enum`, `format`…) for the
    API description, which cannot guess it from a function."""
    return fields.Function(serialize, allow_none=nullable, metadata={"type": type, **schema})
