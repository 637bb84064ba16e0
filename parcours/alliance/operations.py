"""Alliance operations: write a voice, propose a version of the objective, approve it or
withdraw the approval."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from parcours.alliance.agreement import agreement_for
from parcours.alliance.models import (
    Approval,
    Disagreement,
    ObjectiveVersion,
    Voice,
    latest_version,
    voice_of,
)
from parcours.core.audit import Access, record
from parcours.core.errors import Conflict, DomainError, Forbidden, NotFound, StaleVersion
from parcours.core.i18n import gettext as _
from parcours.core.models import TEXT_MAX, utcnow
from parcours.core.signals import member_left
from parcours.extensions import db
from parcours.plans.models import Member
from parcours.plans.operations import current_members, lock_parcours


def _check_length(**texts: str) -> None:
    for text in texts.values():
        if len(text) > TEXT_MAX:
            raise DomainError(
                _("A text can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
            )


def _insert_version(row, stale_message: str, current_loader):
    """Insert a numbered row; if another save took the number meanwhile, refuse the save."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise StaleVersion(stale_message, current_loader()) from None
    return row


def save_voice(
    author: Member,
    subject: Member,
    *,
    matters: str,
    hopes: str,
    worries: str,
    help_me: str = "",
    base_number: int,
) -> Voice:
    """Save a new version of a member's point of view, written by them or, for the person,
    on their behalf."""
    if subject.parcours_id != author.parcours_id or not subject.is_current:
        raise NotFound(_("This member is not part of this plan."), code="member_not_found")
    if subject.id != author.id and not subject.is_person:
        raise Forbidden(
            _("You can write your own point of view, or the person's on their behalf."),
            code="not_your_voice",
        )
    texts = {"matters": matters, "hopes": hopes, "worries": worries, "help_me": help_me}
    texts = {key: (value or "").strip() for key, value in texts.items()}
    _check_length(**texts)
    if not any(texts.values()):
        raise DomainError(_("Write at least one of the answers."), code="empty_voice")
    lock_parcours(subject.parcours_id)
    current = voice_of(subject)
    current_number = current.number if current else 0
    stale = _("%(name)s's point of view was changed in the meantime.", name=subject.name)
    if base_number != current_number:
        raise StaleVersion(stale, current)
    voice = Voice(
        parcours_id=subject.parcours_id,
        member=subject,
        author=author,
        number=current_number + 1,
        **texts,
    )
    _insert_version(voice, stale, lambda: voice_of(subject))
    record(author.parcours_id, author.user, Access.change, "voice.saved", subject=subject.user)
    return voice


def propose_version(
    author: Member,
    *,
    text: str,
    perimeter_in: str = "",
    perimeter_out: str = "",
    indicators: str = "",
    base_number: int,
    on_behalf_of: Member | None = None,
) -> ObjectiveVersion:
    """Save a new version of the shared objective; it needs fresh approvals."""
    fields = {
        "text": (text or "").strip(),
        "perimeter_in": (perimeter_in or "").strip(),
        "perimeter_out": (perimeter_out or "").strip(),
        "indicators": (indicators or "").strip(),
    }
    _check_length(**fields)
    if not fields["text"]:
        raise DomainError(_("Please write the objective."), code="empty_objective")
    if on_behalf_of is not None and (
        on_behalf_of.parcours_id != author.parcours_id
        or not on_behalf_of.is_current
        or on_behalf_of.id == author.id
    ):
        raise DomainError(
            _("You can write on behalf of another member of this plan only."),
            code="invalid_on_behalf_of",
        )
    lock_parcours(author.parcours_id)
    latest = latest_version(author.parcours_id)
    current_number = latest.number if latest else 0
    stale = _("Someone saved a new version of the objective in the meantime.")
    if base_number != current_number:
        raise StaleVersion(stale, latest)
    if latest is not None and all(getattr(latest, k) == v for k, v in fields.items()):
        raise DomainError(
            _("Nothing changed from version %(n)d.", n=latest.number), code="no_change"
        )
    version = ObjectiveVersion(
        parcours_id=author.parcours_id,
        number=current_number + 1,
        author=author,
        on_behalf_of=on_behalf_of,
        **fields,
    )
    _insert_version(version, stale, lambda: latest_version(author.parcours_id))
    record(author.parcours_id, author.user, Access.change, "objective.version", str(version.number))
    return version


def _version_to_answer(member: Member, number: int) -> ObjectiveVersion:
    """The latest version, which the member has not approved yet, under the parcours lock."""
    lock_parcours(member.parcours_id)
    latest = latest_version(member.parcours_id)
    if latest is None or not 1 <= number <= latest.number:
        raise NotFound(_("This version of the objective does not exist."), code="version_not_found")
    if number != latest.number:
        raise Conflict(
            _("A newer version exists: please read and approve version %(n)d.", n=latest.number),
            code="not_latest_version",
        )
    if any(a.member_id == member.id for a in latest.approvals):
        raise Conflict(_("You have already approved this version."), code="already_approved")
    return latest


def approve_version(member: Member, number: int) -> Approval:
    """The member recognises themselves in this version of the objective."""
    latest = _version_to_answer(member, number)
    approval = Approval(version=latest, member=member)
    db.session.add(approval)
    db.session.flush()
    record(member.parcours_id, member.user, Access.change, "objective.approved", str(number))
    refresh_agreement(member.parcours_id)
    return approval


class InForce(Conflict):
    """An approval counts for good once its version is in force: disagree another way."""

    code = "in_force"

    def __init__(self, number: int) -> None:
        super().__init__(
            _(
                "Version %(n)d is in force: your approval helped agree it and stays. To disagree "
                "now, propose a change to the objective: the new version needs everyone's "
                "approval again, and the pilot sees it.",
                n=number,
            )
        )


def withdraw_approval(member: Member, number: int) -> ObjectiveVersion:
    """The member takes back their approval of a version not yet in force (a tap by mistake,
    a second thought). Once in force, it stays: a new version is how one disagrees then."""
    lock_parcours(member.parcours_id)
    version = db.session.scalar(
        select(ObjectiveVersion).where(
            ObjectiveVersion.parcours_id == member.parcours_id, ObjectiveVersion.number == number
        )
    )
    if version is None:
        raise NotFound(_("This version of the objective does not exist."), code="version_not_found")
    approval = db.session.scalar(
        select(Approval).where(Approval.version_id == version.id, Approval.member_id == member.id)
    )
    if approval is None:
        raise Conflict(_("You have not approved this version."), code="not_approved")
    if version.agreed_at is not None:
        raise InForce(number)
    db.session.delete(approval)
    db.session.flush()
    db.session.expire(version, ["approvals"])
    record(
        member.parcours_id, member.user, Access.change, "objective.approval_withdrawn", str(number)
    )
    return version


def disagree_with_version(member: Member, number: int, comment: str = "") -> Disagreement:
    """The member does not recognise themselves in this version yet, and may say why."""
    latest = _version_to_answer(member, number)
    comment = (comment or "").strip()
    _check_length(comment=comment)
    disagreement = Disagreement(version=latest, member=member, comment=comment)
    db.session.add(disagreement)
    db.session.flush()
    record(member.parcours_id, member.user, Access.change, "objective.not_yet", str(number))
    return disagreement


def refresh_agreement(parcours_id: int) -> bool:
    """Mark the latest version agreed if the current members now meet the rule."""
    latest = latest_version(parcours_id)
    if latest is None or latest.agreed_at is not None:
        return False
    approver_ids = db.session.scalars(
        select(Approval.member_id).where(Approval.version_id == latest.id)
    )
    agreement = agreement_for(approver_ids, current_members(parcours_id))
    if agreement.is_met:
        latest.agreed_at = utcnow()
        return True
    return False


@member_left.connect
def _member_left(member: Member, **_extra) -> None:
    """Without them, the members who remain may now all have approved the latest version."""
    refresh_agreement(member.parcours_id)
