"""API: the list of the user's parcours, with where each objective stands."""

from flask_login import current_user

from parcours.core.api import Merged, api, documented
from parcours.overview.schemas import ParcoursListSchema
from parcours.overview.summary import summaries_for


@api.get("/parcours")
@documented(responses={200: ParcoursListSchema})
def list_parcours():
    """The parcours the user is a member of."""
    summaries = [
        Merged(
            s.parcours, me=s.me, pilot=s.pilot, member_count=s.member_count, objective=s.objective
        )
        for s in summaries_for(current_user)
    ]
    return ParcoursListSchema().dump({"parcours": summaries})
