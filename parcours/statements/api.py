"""API: the statements of a plan, co-signed by the person's side and a professional, sent
without names to the observers of an organisation or a territory, and their answers."""

from parcours.core.api import api, documented, error, load
from parcours.core.errors import DomainError
from parcours.plans.access import current_member
from parcours.statements import operations
from parcours.statements.models import STATEMENTS_READ
from parcours.statements.schemas import (
    StatementInputSchema,
    StatementListSchema,
    StatementSchema,
)


def field_error(exc: DomainError):
    """A refusal about one field is a 422 naming it, as the schema's own are; another refusal
    (a closed plan, a member who cannot sign…) goes to the API's error handler."""
    if exc.code not in operations.FIELD_OF:
        raise exc
    return error(exc.code, exc.message, 422, fields={operations.FIELD_OF[exc.code]: [exc.message]})


@api.get("/parcours/<int:parcours_id>/statements")
@documented(responses={200: StatementListSchema})
def list_statements(parcours_id: int):
    """The plan's statements, newest first, each with its signatures, its state (waiting for
    the person's side or a professional, sent, answered) and the observers' answers."""
    current_member(parcours_id, reading=STATEMENTS_READ)
    return StatementListSchema().dump({"statements": operations.statements_of_plan(parcours_id)})


@api.post("/parcours/<int:parcours_id>/statements")
@documented(body=StatementInputSchema, responses={201: StatementSchema}, errors=(403, 409))
def create_statement(parcours_id: int):
    """Write a statement of an unmet need or a proposal, addressed to an organisation
    (`organisation_id`) or a territory (`territory`), not both; writing it signs it. Only the
    person, their legal representative and the professionals write and sign (403
    `cannot_sign`); it is sent to the observers, without names, once the person's side and a
    professional have both signed. 409 `plan_closed` once the plan is closed."""
    member = current_member(parcours_id)
    data = load(StatementInputSchema())
    try:
        statement = operations.write_statement(
            member,
            data["text"],
            organisation_id=data["organisation_id"],
            territory=data["territory"],
        )
    except DomainError as exc:
        return field_error(exc)
    return StatementSchema().dump(statement), 201


@api.post("/parcours/<int:parcours_id>/statements/<int:statement_id>/signature")
@documented(responses={201: StatementSchema}, errors=(403, 409))
def sign_statement(parcours_id: int, statement_id: int):
    """Sign a statement of the plan (403 `cannot_sign` for a family member who does not speak
    for the person, 409 `already_signed`, 409 `plan_closed`). The signature that completes
    both sides sends it."""
    member = current_member(parcours_id)
    statement = operations.statement_of(parcours_id, statement_id)
    return StatementSchema().dump(operations.sign_statement(member, statement)), 201
