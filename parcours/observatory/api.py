"""API: the observatory, figures drawn from many plans of an organisation or a territory."""

from flask import request
from flask_login import current_user

from parcours.core.api import api, documented, load
from parcours.core.errors import DomainError
from parcours.observatory.reading import chosen_scope, dumped, figures_for, scopes_of
from parcours.observatory.schemas import ObservatoryQuerySchema, ObservatorySchema
from parcours.statements import operations as statement_operations
from parcours.statements.api import field_error as statement_field_error
from parcours.statements.schemas import (
    ObservedStatementListSchema,
    ObservedStatementQuerySchema,
    ObservedStatementSchema,
    StatementAnswerInputSchema,
    StatementGroupInputSchema,
)


@api.get("/observatory")
@documented(responses={200: ObservatorySchema}, query=ObservatoryQuerySchema, errors=(400, 404))
def get_observatory():
    """Without parameters: your scopes as an observer. With `?organisation=<id>` or
    `?territory=<code>` (one of yours) and the period `?from=&to=` (YYYY-MM-DD, default the
    last 12 months): the figures over the plans where that organisation, or an organisation
    of that territory, had an episode in the period. A figure drawn from fewer than 5 plans is
    withheld (`value` null, `suppressed` true), and so is a total that would let it be worked
    out. Every figure shown is rounded to a base of 5 (counts, days and plans to the nearest
    5, shares to the nearest 0.05), so that no two answers (over overlapping periods, or a
    territory and one of its organisations) can be subtracted to work out a withheld one. 404
    for anyone who is not an observer."""
    scopes = scopes_of(current_user)
    scope = chosen_scope(scopes, request.args)
    if scope is None:
        return ObservatorySchema().dump({"scopes": [s.as_dict for s in scopes]})
    return ObservatorySchema().dump(dumped(figures_for(scope, request.args)))


# The statements co-signed in the plans, addressed to the observer's scopes (issue 15, part 3).


@api.get("/observatory/statements")
@documented(
    responses={200: ObservedStatementListSchema},
    query=ObservedStatementQuerySchema,
    errors=(400, 404),
)
def get_observed_statements():
    """The statements sent to one of your scopes (`?organisation=<id>` or `?territory=<code>`:
    a territory's are those addressed to it or to one of its organisations), or to any of
    them without a parameter: each with its text, whom it is addressed to, the day it was
    sent, its group (the statements that say the same thing share it) and the answers. No
    name, no member, no plan. 404 for anyone who is not an observer."""
    scopes = scopes_of(current_user)
    scope = chosen_scope(scopes, request.args)
    if scope is None:
        found = statement_operations.observed_statements(seen_by=current_user)
    else:
        found = statement_operations.observed_statements(scope.organisation_id, scope.territory)
    return ObservedStatementListSchema().dump({"statements": found})


@api.post("/observatory/statements/<int:statement_id>/answer")
@documented(body=StatementAnswerInputSchema, responses={201: ObservedStatementListSchema})
def answer_observed_statement(statement_id: int):
    """Answer a statement sent to one of your scopes (404 for any other), and with it every
    statement of its group you see: the answer goes back into each one's plan, where its
    members (and the person, on their easy-read page) read it. A later answer adds to the
    first. Answers the statements answered."""
    scopes_of(current_user)
    statement = statement_operations.observed_statement(current_user, statement_id)
    data = load(StatementAnswerInputSchema())
    try:
        answered = statement_operations.answer_statement(current_user, statement, data["text"])
    except DomainError as exc:
        return statement_field_error(exc)
    return ObservedStatementListSchema().dump({"statements": answered}), 201


@api.post("/observatory/statements/<int:statement_id>/group")
@documented(body=StatementGroupInputSchema, responses={200: ObservedStatementSchema})
def group_observed_statement(statement_id: int):
    """Say that a statement sent to one of your scopes says the same as another you see
    (`with`): it joins that one's group (422 `same_statement` for itself, 404 for one you do
    not see). `"with": null` takes it out of its group."""
    scopes_of(current_user)
    statement = statement_operations.observed_statement(current_user, statement_id)
    data = load(StatementGroupInputSchema())
    grouped = statement_operations.group_statement(current_user, statement, data["with_"])
    return ObservedStatementSchema().dump(grouped)
