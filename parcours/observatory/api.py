"""API: the observatory, figures drawn from many plans of an organisation or a territory."""

from flask import request
from flask_login import current_user

from parcours.core.api import api, documented
from parcours.observatory.reading import chosen_scope, dumped, figures_for, scopes_of
from parcours.observatory.schemas import ObservatoryQuerySchema, ObservatorySchema


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
