"""The objective as members see it: the version in force, the latest, and who approved."""

from dataclasses import dataclass

from parcours.alliance.agreement import Agreement, agreement_for
from parcours.alliance.models import (
    Approval,
    Disagreement,
    ObjectiveVersion,
    latest_and_in_force,
    objective_versions,
    open_disagreements,
)
from parcours.core.i18n import gettext as _
from parcours.plans.models import Member


@dataclass(frozen=True)
class Objective:
    """The shared objective of a parcours at one moment."""

    latest: ObjectiveVersion | None
    # The latest agreed version: it stays in force while a newer one awaits approvals.
    in_force: ObjectiveVersion | None
    # Where the latest version stands with the current members.
    agreement: Agreement | None
    versions: tuple[ObjectiveVersion, ...] = ()
    # Members who said "I don't agree yet" to the latest version, and why.
    disagreements: tuple[Disagreement, ...] = ()

    @property
    def agreed(self) -> bool:
        return self.latest is not None and self.latest.agreed_at is not None

    def approved_by(self, member: Member) -> bool:
        return self.agreement is not None and member in self.agreement.approved


def load_objective(
    parcours_id: int,
    members: list[Member],
    history: bool = False,
    disagreements: bool = True,
) -> Objective:
    """The objective of a parcours, as the current `members` see it (one query, and one for
    the open disagreements); with `history`, every version too."""
    latest, in_force = latest_and_in_force(parcours_id)
    if latest is None:
        return Objective(None, None, None)
    agreement = agreement_for((a.member_id for a in latest.approvals), members)
    versions = tuple(objective_versions(parcours_id)) if history else ()
    said = tuple(open_disagreements(latest, members)) if disagreements else ()
    return Objective(latest, in_force, agreement, versions, said)


def approval_message(approval: Approval) -> str:
    """What the member is told once their approval is recorded (the page and the API)."""
    number = approval.version.number
    if approval.version.agreed_at is not None:
        return _("Everyone approved: version %(n)d is now in force.", n=number)
    return _("Your approval of version %(n)d is recorded.", n=number)
