"""Closing an account: the personal data is erased, the texts stay in the plans, unnamed.

What happens, and why:
- Every text and act of the user stays in the parcours they co-wrote (the others' work rests
  on it: versions, approvals, stances, decisions, the messages of the discussions and their
  earlier texts), attributed to "a former member" (`User.name` says so once `closed_at` is
  set).
- The account's personal data is erased: identifiers, name (also where it was written down as
  text, in every plan they were ever part of: access log details written by an earlier
  version, episode referents in the corrections' history), organisation, function, language,
  easy-read choice, and the organisation and function of each membership (they would name
  the person again); the password hash becomes unusable; login sessions and API tokens stop
  working, and its password reset links and cards are deleted; the pending invitations
  sent to their e-mail address are withdrawn, and every invitation sent to it forgets the
  address. A plan named by the person's full name (the
  default when they created it) keeps only its initial. The access log names members by
  their account, so it reads "a former member" from then on. The former e-mail address or
  login name can sign up again, as a new account. An observer's scopes are taken away.
- Each membership ends (`left_at`), as when leaving a parcours. Like leaving, a pilot hands
  the role over first where other members remain: closing is refused until they have.
- Where the user is the last current member, nobody could ever see the parcours again (only
  members see a parcours): it is deleted with its content rather than kept for nobody, but
  for its access log, kept for the retention period (then `retention purge`). The
  confirmation page lists these plans before the user confirms.
- The person accompanied closes their account like anyone else: the plan about them goes on
  with their family and professionals (it stays named as it was, by the first name or
  pseudonym its members chose), and their place is free for a new account to be invited.
- Statements (parcours/statements): those the user wrote or signed stay in the plan, signed
  "a former member", like every other text; one already sent stays with its observers, who
  never saw a name. Where the plan is deleted, its statements not yet sent go with it; the
  sent ones stay with their observers, detached from any plan (no plan, no author, no
  signature), and their answers with them. An observer's answers stay in the plans they went
  back to, signed "a former member".
- Platform admins cannot close their account: they are staff, and their account is managed
  by another admin (deactivation).
"""

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from parcours.accounts.models import CLOSED_PASSWORD_HASH, Notifications, ObserverScope, User
from parcours.accounts.operations import end_sessions_and_tokens, remove_two_step
from parcours.accounts.password_reset import forget_password_resets
from parcours.core.audit import Access, end_logs, erase_written_name, record
from parcours.core.errors import Conflict, DomainError, Forbidden
from parcours.core.i18n import gettext as _
from parcours.core.idempotency import forget_once_requests
from parcours.core.models import utcnow
from parcours.core.names import FORMER_MEMBER_MARK
from parcours.core.signals import member_left
from parcours.extensions import db
from parcours.inbox.models import forget_reads
from parcours.notifications.digests import forget_digest
from parcours.notifications.outbox import forget_messages
from parcours.plans.models import Invitation, Member, Parcours, Role
from parcours.plans.operations import lock_parcours
from parcours.statements.operations import detach_statements
from parcours.timeline.models import Episode, EpisodeChange


@dataclass
class ClosingPlan:
    """What closing the account would do to each of the user's current memberships."""

    # Where the user is the pilot and other members remain: they hand over first.
    pilot_of: list[Member] = field(default_factory=list)
    # Where the user is the last member: the parcours is deleted.
    deleted: list[Member] = field(default_factory=list)
    # Where the user simply leaves.
    left: list[Member] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.pilot_of)


def closing_plan(user: User) -> ClosingPlan:
    """Sort the user's current memberships by what closing does to them (two queries)."""
    memberships = db.session.scalars(
        select(Member)
        .where(Member.user_id == user.id, Member.left_at.is_(None))
        .order_by(Member.parcours_id)
    ).all()
    others = dict(
        db.session.execute(
            select(Member.parcours_id, func.count())
            .where(
                Member.parcours_id.in_([m.parcours_id for m in memberships]),
                Member.left_at.is_(None),
                Member.user_id != user.id,
            )
            .group_by(Member.parcours_id)
        ).all()
    )
    plan = ClosingPlan()
    for member in memberships:
        if not others.get(member.parcours_id):
            plan.deleted.append(member)
        elif member.is_pilot:
            plan.pilot_of.append(member)
        else:
            plan.left.append(member)
    return plan


def check_can_close(user: User) -> None:
    """Refuse for platform admins."""
    if user.is_admin:
        raise Forbidden(
            _(
                "A platform admin account cannot be closed here: ask another admin to"
                " deactivate it."
            ),
            code="admin_account",
        )


def close_account(user: User, password: str) -> ClosingPlan:
    """Close the user's account: memberships end, personal data is erased, texts stay."""
    check_can_close(user)
    if not user.check_password(password):
        raise DomainError(_("The password is not right."), code="wrong_password")
    for parcours_id in db.session.scalars(
        select(Member.parcours_id)
        .where(Member.user_id == user.id, Member.left_at.is_(None))
        .order_by(Member.parcours_id)
    ):
        lock_parcours(parcours_id)
    plan = closing_plan(user)
    if plan.blocked:
        raise Conflict(
            _(
                "You are the pilot of the plan of %(names)s: hand the role over to another"
                " member before closing your account.",
                names=", ".join(m.parcours.person_name for m in plan.pilot_of),
            ),
            code="pilot_must_hand_over",
            details=[
                {"parcours_id": m.parcours_id, "person_name": m.parcours.person_name}
                for m in plan.pilot_of
            ],
        )
    now = utcnow()
    deleted_ids = {m.parcours_id for m in plan.deleted}
    for member in plan.left:
        member.left_at = now
        record(member.parcours_id, user, Access.change, "member.account_closed")
    if user.email:
        for invitation in db.session.scalars(
            select(Invitation).where(
                Invitation.email == user.email,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        ):
            invitation.revoked_at = now
            if invitation.parcours_id not in deleted_ids:
                record(invitation.parcours_id, user, Access.change, "invitation.addressee_gone")
    _erase_written_name(user)
    _erase_plan_names(user)
    _erase_invitation_addresses(user)
    _erase(user)
    db.session.flush()
    for member in plan.left:
        member_left.send(member)
    if deleted_ids:
        # Their logs are kept for the retention period; the database cascades to everything
        # else the parcours holds.
        end_logs(sorted(deleted_ids), user)
        # What their statements already told the observers stays with them, detached.
        detach_statements(sorted(deleted_ids))
        db.session.execute(
            delete(Parcours).where(Parcours.id.in_(deleted_ids)),
            execution_options={"synchronize_session": False},
        )
        for member in plan.deleted:
            db.session.expunge(member)
    db.session.flush()
    return plan


def _erase_written_name(user: User) -> None:
    """Where the user's name was written down as text (access log details written by an
    earlier version, episode referents in the corrections' history), in every plan they were
    ever part of, put the mark that reads "a former member"."""
    name = user.stored_name
    if not name:
        return
    parcours_ids = list(
        db.session.scalars(select(Member.parcours_id).where(Member.user_id == user.id).distinct())
    )
    erase_written_name(parcours_ids, name)
    changes = db.session.scalars(
        select(EpisodeChange)
        .join(Episode, Episode.id == EpisodeChange.episode_id)
        .where(Episode.parcours_id.in_(parcours_ids))
    )
    for change in changes:
        referent = change.changes.get("referent")
        if referent and name in referent:
            values = dict(change.changes)
            values["referent"] = [FORMER_MEMBER_MARK if v == name else v for v in referent]
            change.changes = values


def shortened(name: str) -> str:
    """What replaces a plan's name when it is the closing person's full name: its initial."""
    return f"{name.strip()[:1].upper()}."


def _erase_plan_names(user: User) -> None:
    """A plan named after the person accompanied by their full name (a plan they created
    themselves is named so by default) keeps only its initial once their account is closed."""
    name = user.stored_name
    if not name:
        return
    db.session.execute(
        update(Parcours)
        .where(
            Parcours.person_name == name,
            Parcours.id.in_(
                select(Member.parcours_id).where(
                    Member.user_id == user.id, Member.role == Role.person
                )
            ),
        )
        .values(person_name=shortened(name)),
        execution_options={"synchronize_session": "fetch"},
    )


def _erase_invitation_addresses(user: User) -> None:
    """The invitations sent to the user's e-mail address, pending or accepted, forget it."""
    if user.email:
        db.session.execute(
            update(Invitation).where(Invitation.email == user.email).values(email=None),
            execution_options={"synchronize_session": False},
        )


def _erase(user: User) -> None:
    """Erase what the account says about its owner, and stop every way of signing in."""
    for member in db.session.scalars(select(Member).where(Member.user_id == user.id)):
        # A membership's organisation and function would name the person again.
        member.organisation = None
        member.function = None
    user.closed_at = utcnow()
    forget_messages(user.id, user.email)
    forget_digest(user.id)
    user.notifications = Notifications.daily  # the default: it says nothing of them
    user.email = None
    user.login_name = None
    user.stored_name = ""
    user.organisation = None
    user.function = None
    user.locale = None
    user.easy_read = None
    user.form_of_address = None
    user.password_hash = CLOSED_PASSWORD_HASH
    end_sessions_and_tokens(user)
    remove_two_step(user)
    forget_once_requests(user.id)
    forget_reads(user.id)
    forget_password_resets(user.id)
    # An observer's scopes: what a closed account would go on seeing.
    db.session.execute(delete(ObserverScope).where(ObserverScope.user_id == user.id))
