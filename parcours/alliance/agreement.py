"""The agreement rule, as a pure function over members and who approved."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parcours.plans.models import Member, Role


@dataclass(frozen=True)
class Agreement:
    """Where a version of the objective stands with the current members."""

    approved: tuple[Member, ...]
    # Every current person and family member must approve: these have not yet.
    missing: tuple[Member, ...]
    # At least one professional must approve: when none has, any of these can.
    professionals_to_ask: tuple[Member, ...]
    professional_missing: bool

    @property
    def is_met(self) -> bool:
        return not self.missing and not self.professional_missing


def agreement_for(approver_ids: Iterable[int], members: Sequence[Member]) -> Agreement:
    """A version is agreed when every current person and family member approved it, and at
    least one professional did."""
    approvers = set(approver_ids)
    current = [m for m in members if m.is_current]
    approved = tuple(m for m in current if m.id in approvers)
    missing = tuple(
        m for m in current if m.role in (Role.person, Role.family) and m.id not in approvers
    )
    professionals = [m for m in current if m.role is Role.professional]
    professional_missing = not any(m.id in approvers for m in professionals)
    return Agreement(
        approved=approved,
        missing=missing,
        professionals_to_ask=tuple(professionals) if professional_missing else (),
        professional_missing=professional_missing,
    )
