"""Statement operations: write one (and sign it), sign one, and, for an observer, answer one
(and its group) and group statements that say the same thing; the read queries of the plan's
view and of the observer's. The rules are told at the top of parcours/statements/models.py."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import selectinload

from parcours.accounts.models import ObserverScope, Organisation, User
from parcours.accounts.operations import valid_territory
from parcours.core.audit import Access, record
from parcours.core.errors import Conflict, DomainError, Forbidden, NotFound
from parcours.core.i18n import gettext as _
from parcours.core.models import TEXT_MAX, run_statement, today, utcnow
from parcours.core.names import account_name
from parcours.extensions import db
from parcours.plans.models import Member, Parcours
from parcours.statements.models import (
    STATEMENT_ANSWERED,
    STATEMENT_SENT,
    STATEMENT_SIGNED,
    STATEMENT_WRITTEN,
    Side,
    Statement,
    StatementAnswer,
    StatementSignature,
    addressee,
    side_of,
)

# Which field of the form or of the API's body each refusal is about.
FIELD_OF = {
    "missing_text": "text",
    "text_too_long": "text",
    "statement_addressee": "organisation_id",
    "unknown_organisation": "organisation_id",
    "invalid_territory": "territory",
}
_LOADED = (selectinload(Statement.signatures), selectinload(Statement.answers))


class PlanClosed(Conflict):
    """A closed plan writes and signs no statement; those sent may still be answered."""

    code = "plan_closed"

    def __init__(self) -> None:
        super().__init__(
            _("This plan is closed: its statements can be read, but none can be written or signed.")
        )


def cannot_sign() -> Forbidden:
    return Forbidden(
        _(
            "Only the person (or their legal representative) and the professionals sign a "
            "statement, and so write one."
        ),
        code="cannot_sign",
    )


def not_found() -> NotFound:
    return NotFound(_("This statement does not exist."), code="statement_not_found")


def is_closed(parcours: Parcours) -> bool:
    return parcours.closed_on is not None and parcours.closed_on <= today()


def clean_text(text: str | None, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(missing, code="missing_text")
    if len(text) > TEXT_MAX:
        raise DomainError(
            _("A text can have at most %(n)d characters.", n=TEXT_MAX), code="text_too_long"
        )
    return text


def _addressee(
    organisation_id: int | None, territory: str | None
) -> tuple[Organisation | None, str | None]:
    territory = (territory or "").strip()
    if bool(organisation_id) == bool(territory):
        raise DomainError(
            _("Address the statement either to an organisation or to a territory."),
            code="statement_addressee",
        )
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise DomainError(_("There is no such organisation."), code="unknown_organisation")
        return organisation, None
    return None, valid_territory(territory)


# The plan's side ----------------------------------------------------------------------------


def statements_of_plan(parcours_id: int) -> list[Statement]:
    """The plan's statements, newest first, with their signatures and answers (three queries
    however many)."""
    return list(
        db.session.scalars(
            select(Statement)
            .where(Statement.parcours_id == parcours_id)
            .options(*_LOADED)
            .order_by(Statement.id.desc())
        )
    )


def statement_of(parcours_id: int, statement_id: int) -> Statement:
    """One statement of the plan, with its signatures and answers, or a 404."""
    statement = db.session.scalar(
        select(Statement).where(Statement.id == statement_id).options(*_LOADED)
    )
    if statement is None or statement.parcours_id != parcours_id:
        raise not_found()
    return statement


@dataclass(frozen=True)
class StatementToSign:
    """A statement waiting for the person's side's signature, as the easy-read page asks it:
    who wrote it, what it says, to whom."""

    id: int
    author: str | None  # the author's name
    text: str
    addressee: str


def awaiting_signature(member: Member) -> list[StatementToSign]:
    """The plan's statements not sent that wait for the member's side's signature, oldest
    first, with their author and addressee (one query however many; none for a member who
    signs for no side): what the easy-read page asks the person to sign."""
    side = side_of(member)
    if side is None:
        return []
    rows = run_statement(_awaiting_signature(), {"parcours_id": member.parcours_id, "side": side})
    return [
        StatementToSign(
            sid,
            None if name is None else account_name(name, closed_at),
            text,
            addressee(organisation, territory),
        )
        for sid, name, closed_at, text, organisation, territory in rows
    ]


@cache
def _awaiting_signature():
    """The statement of `awaiting_signature`, built once (the plan and the side are bound)."""
    signed = select(StatementSignature.id).where(
        StatementSignature.statement_id == Statement.id,
        StatementSignature.side == bindparam("side", type_=StatementSignature.side.type),
    )
    return (
        select(
            Statement.id,
            User.stored_name,
            User.closed_at,
            Statement.text,
            Organisation.name,
            Statement.territory,
        )
        .outerjoin(Member, Member.id == Statement.author_id)
        .outerjoin(User, User.id == Member.user_id)
        .outerjoin(Organisation, Organisation.id == Statement.organisation_id)
        .where(
            Statement.parcours_id == bindparam("parcours_id"),
            Statement.sent_at.is_(None),
            ~signed.exists(),
        )
        .order_by(Statement.id)
    )


# The easy-read page tells the person of the answers of the last days.
ANSWER_DAYS = 90


@dataclass(frozen=True)
class AnsweredStatement:
    """A statement of the plan as the easy-read page tells it: what was said, to whom, and the
    latest answer."""

    id: int
    text: str
    addressee: str
    answer: str


def answered_statements(parcours_id: int, limit: int = 3) -> list[AnsweredStatement]:
    """The plan's statements answered in the last ANSWER_DAYS days, the latest answered
    first, each with its latest answer (one query): what the easy-read page tells the
    person."""
    rows = run_statement(
        _answered(limit),
        {"parcours_id": parcours_id, "since": utcnow() - timedelta(days=ANSWER_DAYS)},
    )
    return [
        AnsweredStatement(sid, text, addressee(organisation, territory), answer)
        for sid, text, organisation, territory, answer in rows
    ]


@cache
def _answered(limit: int):
    """The statement of `answered_statements`, built once (the plan and the day are bound)."""
    latest = (
        select(StatementAnswer.statement_id, db.func.max(StatementAnswer.id).label("answer_id"))
        .join(Statement, Statement.id == StatementAnswer.statement_id)
        .where(
            Statement.parcours_id == bindparam("parcours_id"),
            StatementAnswer.created_at > bindparam("since"),
        )
        .group_by(StatementAnswer.statement_id)
        .subquery()
    )
    return (
        select(
            Statement.id,
            Statement.text,
            Organisation.name,
            Statement.territory,
            StatementAnswer.text,
        )
        .join(latest, latest.c.statement_id == Statement.id)
        .join(StatementAnswer, StatementAnswer.id == latest.c.answer_id)
        .outerjoin(Organisation, Organisation.id == Statement.organisation_id)
        .order_by(latest.c.answer_id.desc())
        .limit(limit)
    )


def _sign(member: Member, statement: Statement, side: Side) -> None:
    statement.signatures.append(StatementSignature(member=member, side=side, signed_at=utcnow()))
    if statement.sent_at is None and statement.sides_signed == {Side.person, Side.professional}:
        statement.sent_at = utcnow()


def write_statement(
    member: Member,
    text: str | None,
    *,
    organisation_id: int | None = None,
    territory: str | None = None,
) -> Statement:
    """Write a statement addressed to an organisation or a territory; writing it signs it."""
    if is_closed(member.parcours):
        raise PlanClosed()
    side = side_of(member)
    if side is None:
        raise cannot_sign()
    text = clean_text(text, _("Please write the statement."))
    organisation, code = _addressee(organisation_id, territory)
    statement = Statement(
        parcours_id=member.parcours_id,
        author=member,
        text=text,
        organisation=organisation,
        territory=code,
        signatures=[],
        answers=[],
    )
    db.session.add(statement)
    _sign(member, statement, side)
    db.session.flush()
    record(member.parcours_id, member.user, Access.change, STATEMENT_WRITTEN, str(statement.id))
    return statement


def sign_statement(member: Member, statement: Statement) -> Statement:
    """Sign a statement of the plan; the signature that completes both sides sends it."""
    if is_closed(member.parcours):
        raise PlanClosed()
    side = side_of(member)
    if side is None:
        raise cannot_sign()
    if statement.signed_by(member):
        raise Conflict(_("You have already signed this statement."), code="already_signed")
    was_sent = statement.is_sent
    _sign(member, statement, side)
    db.session.flush()
    record(member.parcours_id, member.user, Access.change, STATEMENT_SIGNED, str(statement.id))
    if statement.is_sent and not was_sent:
        record(member.parcours_id, member.user, Access.change, STATEMENT_SENT, str(statement.id))
    return statement


def detach_statements(parcours_ids: Sequence[int]) -> None:
    """Before plans are deleted: their statements not sent go with them; the sent ones stay
    for their observers, detached (no plan, no author, no signatures)."""
    if not parcours_ids:
        return
    in_plans = Statement.parcours_id.in_(parcours_ids)
    db.session.execute(
        delete(StatementSignature).where(
            StatementSignature.statement_id.in_(select(Statement.id).where(in_plans))
        ),
        execution_options={"synchronize_session": False},
    )
    unsent = select(Statement.id).where(in_plans, Statement.sent_at.is_(None))
    db.session.execute(
        update(Statement)
        .where(Statement.group_id.in_(unsent))
        .values(group_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Statement).where(in_plans, Statement.sent_at.is_(None)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(Statement)
        .where(in_plans)
        .values(parcours_id=None, author_id=None)
        .execution_options(synchronize_session=False)
    )


# The observer's side ------------------------------------------------------------------------


def addressed_to(organisation_id: int | None = None, territory: str | None = None):
    """The condition on a statement addressed to this organisation, or to this territory or
    one of its organisations."""
    if organisation_id is not None:
        return Statement.organisation_id == organisation_id
    return or_(
        Statement.territory == territory,
        Statement.organisation_id.in_(
            select(Organisation.id).where(Organisation.territory == territory)
        ),
    )


def _seen_by(user: User):
    """The condition on a sent statement addressed to one of the user's scopes."""
    scopes = select(ObserverScope.organisation_id, ObserverScope.territory).where(
        ObserverScope.user_id == user.id
    )
    rows = db.session.execute(scopes).all()
    organisations = [o for o, _t in rows if o is not None]
    territories = [t for _o, t in rows if t is not None]
    return Statement.sent_at.is_not(None) & or_(
        Statement.organisation_id.in_(organisations),
        Statement.territory.in_(territories),
        Statement.organisation_id.in_(
            select(Organisation.id).where(Organisation.territory.in_(territories))
        ),
    )


def observed_statements(
    organisation_id: int | None = None, territory: str | None = None, *, seen_by: User | None = None
) -> list[Statement]:
    """The sent statements addressed to a scope (an organisation, or a territory and its
    organisations), or to any scope of `seen_by`: by group, each group in the order its first
    statement was sent, with their answers (two queries however many)."""
    condition = (
        _seen_by(seen_by)
        if seen_by is not None
        else Statement.sent_at.is_not(None) & addressed_to(organisation_id, territory)
    )
    statements = list(
        db.session.scalars(
            select(Statement)
            .where(condition)
            .options(selectinload(Statement.answers))
            .order_by(Statement.sent_at, Statement.id)
        )
    )
    first = {}
    for statement in statements:
        first.setdefault(statement.group, (statement.sent_at, statement.id))
    return sorted(statements, key=lambda s: (first[s.group], s.sent_at, s.id))


def observed_statement(user: User, statement_id: int) -> Statement:
    """A sent statement addressed to one of the user's scopes, or a 404 (as for any other)."""
    statement = db.session.scalar(
        select(Statement)
        .where(Statement.id == statement_id, _seen_by(user))
        .options(selectinload(Statement.answers))
    )
    if statement is None:
        raise not_found()
    return statement


def answer_statement(user: User, statement: Statement, text: str | None) -> list[Statement]:
    """Answer a statement, and with it every statement of its group the observer sees: the
    answer goes into each one's plan (its access log, the members' news)."""
    text = clean_text(text, _("Please write the answer."))
    group = list(
        db.session.scalars(
            select(Statement)
            .where(
                _seen_by(user),
                or_(Statement.id == statement.group, Statement.group_id == statement.group),
            )
            .options(selectinload(Statement.answers))
            .order_by(Statement.id)
        )
    )
    now = utcnow()
    for each in group:
        each.answers.append(StatementAnswer(user=user, text=text, created_at=now))
    db.session.flush()
    for each in group:
        if each.parcours_id is not None:
            record(each.parcours_id, user, Access.change, STATEMENT_ANSWERED, str(each.id))
    return group


def group_statement(user: User, statement: Statement, with_id: int | None) -> Statement:
    """Say that the statement says the same as another (`with_id`, one the observer sees
    too): it joins that one's group. Without `with_id`, it leaves its group."""
    now = utcnow()
    if with_id is not None:
        other = observed_statement(user, with_id)
        if other.id == statement.id:
            raise DomainError(
                _("A statement cannot be grouped with itself."), code="same_statement"
            )
        target = other.group
        if target == statement.group:
            return statement
    else:
        target = None
    # Those that had this one as their group's first keep their group, under its next one.
    followers = list(
        db.session.scalars(
            select(Statement).where(Statement.group_id == statement.id).order_by(Statement.id)
        )
    )
    if followers:
        head, *rest = followers
        head.group_id = None
        for follower in rest:
            follower.group_id = head.id
    statement.group_id = target
    statement.grouped_by_id = user.id
    statement.grouped_at = now
    db.session.flush()
    return statement
