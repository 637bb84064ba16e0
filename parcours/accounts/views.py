"""Sign-up, sign-in (with two-step sign-in), sign-out, the account page and the language
switch."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import ngettext
from flask_login import current_user, login_required, login_url, logout_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from parcours.accounts import operations, password_reset, throttling, two_step
from parcours.accounts.forms import (
    CodeForm,
    ConfirmPasswordForm,
    LoginForm,
    NewPasswordForm,
    OrganisationForm,
    PasswordForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignupForm,
    TwoStepSetupForm,
)
from parcours.accounts.models import (
    FormOfAddress,
    Notifications,
    Organisation,
    User,
    identifier_key,
)
from parcours.core.errors import DomainError, Gone, NotFound, TooManyAttempts
from parcours.core.forms import Form
from parcours.core.i18n import LANGUAGE_COOKIE
from parcours.core.i18n import gettext as _
from parcours.core.models import utcnow
from parcours.core.navigation import is_safe_target, next_target, page_number
from parcours.core.security_log import EVENTS, SecurityEvent, record_security_event
from parcours.core.views import flash_error, flash_once, flash_success, place_error, qr_code
from parcours.extensions import db, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"


@login_manager.user_loader
def load_user(key: str):
    """The user of a live login session; a session that just ended (idle, past its lifetime)
    signs the browser out, with a word saying why."""
    user, ended = operations.user_for_login_session(key)
    if ended:
        for name in ("_user_id", "_fresh", "_id"):
            session.pop(name, None)
        session["_remember"] = "clear"  # Flask-Login deletes the remember cookie
        g.login_session_ended = True
        if ended == "idle":
            minutes = int(current_app.config["SESSION_IDLE"].total_seconds() // 60)
            flash_once(
                ngettext(
                    "You were signed out after %(num)d minute without activity. Please sign "
                    "in again.",
                    "You were signed out after %(num)d minutes without activity. Please sign "
                    "in again.",
                    minutes,
                )
            )
        else:
            flash_once(_("Your session has come to its end. Please sign in again."))
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Pages that need a signed-in user send visitors to the sign-in page, then back."""
    if not g.get("login_session_ended"):
        flash_once(_("Please sign in to see this page."))
    return redirect(login_url("accounts.login", next_url=request.url))


# Where someone who must set up two-step sign-in (PARCOURS_REQUIRE_MFA) may still go.
BEFORE_TWO_STEP = {
    "static",
    "accounts.two_step_setup",
    "accounts.logout",
    "accounts.set_language",
    "accounts.login",
    "accounts.login_code",
    "accounts.password_reset_request",
    "accounts.new_password",
}


@bp.before_app_request
def require_two_step():
    """Admins and professionals set up two-step sign-in before anything else, where the site
    requires it (the API refuses their tokens until then: accounts/api.py)."""
    if request.endpoint in BEFORE_TWO_STEP or request.blueprint == "api":
        return None
    if not current_app.config["REQUIRE_MFA"] or not current_user.is_authenticated:
        return None
    if current_user.must_have_two_step and not current_user.has_two_step:
        return redirect(url_for("accounts.two_step_setup"))
    return None


def _refused(template: str, form, error: TooManyAttempts, field: str, **context):
    getattr(form, field).errors.append(error.message)
    return render_template(template, form=form, **context), 429, error.headers


# How long a password accepted waits for its second step.
TWO_STEP_WAIT = 300


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with an e-mail address (or login name) and a password, then the app's code for
    those who set up two-step sign-in. Repeated failures are slowed down."""
    if current_user.is_authenticated:
        return redirect(next_target())
    form = LoginForm(next=request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        try:
            tally = throttling.check_sign_in(form.identifier.data)
        except TooManyAttempts as error:
            return _refused("accounts/login.html", form, error, "password")
        user = operations.authenticate(form.identifier.data, form.password.data)
        if user is not None and user.has_two_step:
            session["two_step"] = {
                "user_id": user.id,
                "identifier": form.identifier.data,
                "remember": bool(form.remember.data),
                "next": form.next.data if is_safe_target(form.next.data) else None,
                "since": utcnow().timestamp(),
            }
            return redirect(url_for("accounts.login_code"))
        if user is not None:
            throttling.clear_failures(tally)
            operations.sign_in(user, remember=form.remember.data)
            # The home page sends people who read easy-read to their own home.
            return redirect(next_target())
        throttling.record_failure(tally, "sign_in.failed")
        form.password.errors.append(_("The e-mail address or the password is not right."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render_template("accounts/login.html", form=form), status


def _waiting_for_code():
    """The user whose password was right and who has still to give their code, or None."""
    pending = session.get("two_step")
    if not isinstance(pending, dict):
        return None, None
    if utcnow().timestamp() - pending.get("since", 0) > TWO_STEP_WAIT:
        session.pop("two_step", None)
        return None, None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.is_active or not user.has_two_step:
        return None, None
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in: the code the app shows, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("overview.home"))
    user, pending = _waiting_for_code()
    if user is None:
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            tally = throttling.check_sign_in(pending["identifier"])
        except TooManyAttempts as error:
            return _refused("accounts/login_code.html", form, error, "code")
        used = operations.check_second_factor(user, form.code.data)
        if used is not None:
            throttling.clear_failures(tally)
            operations.sign_in(user, remember=pending["remember"])
            if used == "recovery":
                record_security_event("sign_in.recovery_code", user_id=user.id)
                left = operations.unused_recovery_codes(user)
                flash(
                    ngettext(
                        "You used a recovery code: %(num)d left. If you lost your phone, set "
                        "up two-step sign-in again on your account page.",
                        "You used a recovery code: %(num)d left. If you lost your phone, set "
                        "up two-step sign-in again on your account page.",
                        left,
                    ),
                    "info",
                )
            return redirect(pending["next"] or url_for("overview.home"))
        throttling.record_failure(tally, "sign_in.code_failed", user_id=user.id)
        form.code.errors.append(_("This code is not right. Type the 6 digits your app shows now."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render_template("accounts/login_code.html", form=form), status


@bp.route("/password-reset", methods=["GET", "POST"])
def password_reset_request():
    """Ask for a link to choose a new password: the answer is the same whether the address
    has an account or not. Requests are rate-limited."""
    form = PasswordResetRequestForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            throttling.check_password_reset(form.email.data)
        except TooManyAttempts as error:
            return _refused("accounts/password_reset.html", form, error, "email", sent=None)
        password_reset.request_password_reset(form.email.data)
        sent = password_reset.reset_asked_message()
        return render_template("accounts/password_reset.html", form=form, sent=sent)
    return render_template("accounts/password_reset.html", form=form, sent=None), status


def _reset_refused(error: DomainError):
    """The page of a reset link that does not work (unknown, used, replaced, expired), or
    of too many visits: what happened and what to do."""
    return (
        render_template("accounts/reset_link_refused.html", error=error),
        error.status,
        error.headers,
    )


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def new_password(token: str):
    """Choose a new password through a link sent by e-mail or a printed card; every device
    signed in to the account is signed out, and the next sign-in asks the two-step code of
    those who set it up."""
    try:
        throttling.check_reset_link_visit()
        reset = password_reset.reset_of(token)
    except (TooManyAttempts, NotFound, Gone) as error:
        return _reset_refused(error)
    form = NewPasswordForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.password.data)
        except (NotFound, Gone) as error:
            return _reset_refused(error)
        except DomainError as error:
            place_error(error, form, {}, default="password")
        else:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash_success(
                _(
                    "Your new password is saved. Every device signed in to your account is "
                    "signed out: sign in with your new password."
                )
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/new_password.html", form=form, reset=reset), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out: the session ends on the server too."""
    operations.end_login_session(current_user.login_session)
    logout_user()
    session.clear()
    flash_success(_("You are signed out."))
    return redirect(url_for("overview.home"))


# Where a sign-up error goes on the form (by the error's code); the rest under the e-mail.
SIGNUP_ERROR_FIELDS = {"weak_password": "password", "invalid_login_name": "login_name"}


def _account_details(form) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data or None,
        "login_name": form.login_name.data or None,
        "password": form.password.data,
        "is_professional": form.is_professional.data,
        "organisation": form.organisation.data,
        "function": form.function.data,
    }


def create_account(form):
    """The account of a valid sign-up form through an invitation, signed in; None when the
    domain refused it (the reason is then on the form). Sign-ups are rate-limited."""
    try:
        throttling.check_sign_up()
        user = operations.create_user(**_account_details(form))
    except DomainError as error:
        place_error(error, form, SIGNUP_ERROR_FIELDS, default="email")
        return None
    operations.sign_in(user)
    flash_success(_("Welcome, %(name)s. Your account is ready.", name=user.name))
    return user


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account, when sign-up is open (an invitation has its own sign-up page). The
    answer is the same whether the e-mail address had an account or not."""
    if not current_app.config["SIGNUP_ENABLED"]:
        return render_template("accounts/signup_closed.html"), 403
    if current_user.is_authenticated:
        return redirect(url_for("overview.home"))
    form = SignupForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            throttling.check_sign_up()
            user = operations.sign_up(**_account_details(form))
        except TooManyAttempts as error:
            return _refused("accounts/signup.html", form, error, "email", invitation=None)
        except DomainError as error:
            place_error(error, form, SIGNUP_ERROR_FIELDS, default="email")
        else:
            if form.email.data:
                flash_success(
                    _(
                        "Thank you. Sign in with your e-mail address and the password you "
                        "chose. If this address already had an account, nothing was changed: "
                        "sign in with that account's password."
                    )
                )
                return redirect(url_for("accounts.login"))
            # A login name only: nothing to hide, the account is the new one.
            operations.sign_in(user)
            flash_success(_("Welcome, %(name)s. Your account is ready.", name=user.name))
            return redirect(url_for("overview.home"))
    return render_template("accounts/signup.html", form=form, invitation=None), status


def _account_page(form, password_form, status: int = 200):
    user = current_user
    return render_template(
        "accounts/account.html",
        form=form,
        password_form=password_form,
        tokens=operations.live_api_tokens(user),
        recovery_left=operations.unused_recovery_codes(user) if user.has_two_step else 0,
        confirm_form=ConfirmPasswordForm(prefix="confirm"),
    ), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's profile: name, language, easy-read, organisation and function; password,
    two-step sign-in, devices and API tokens."""
    user = current_user
    form = ProfileForm(data=_profile(user))
    password_form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            operations.update_profile(
                user,
                name=form.name.data,
                locale=form.locale.data,
                easy_read={"default": None, "on": True, "off": False}[form.easy_read.data],
                form_of_address=_form_of_address(form.form_of_address.data),
                notifications=(
                    Notifications(form.notifications.data) if form.notifications.data else None
                ),
                organisation=form.organisation.data,
                function=form.function.data,
            )
        except DomainError as error:
            place_error(error, form, {}, default="function")
        else:
            flash_success(_("Your profile is saved."))
            response = redirect(url_for("accounts.account"))
            response.set_cookie(LANGUAGE_COOKIE, user.locale, max_age=365 * 86400, samesite="Lax")
            return response
    return _account_page(form, password_form, 422 if form.is_submitted() else 200)


def _profile(user) -> dict:
    """What the profile form shows: its own values, not the user's attributes of the same names
    (an organisation is a record, easy-read a yes/no/default)."""
    return {
        "name": user.name,
        "locale": user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        "easy_read": {None: "default", True: "on", False: "off"}[user.easy_read],
        "form_of_address": (user.form_of_address or FormOfAddress.neutral).value,
        "notifications": user.notifications.value,
        "organisation": user.organisation.name if user.organisation else "",
        "function": user.function,
    }


def _form_of_address(value: str | None) -> FormOfAddress | None:
    return FormOfAddress(value) if value else None


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's password; the other devices are signed out, the API tokens revoked."""
    form = ProfileForm(data=_profile(current_user))
    password_form = PasswordForm(prefix="password")
    if password_form.validate_on_submit():
        try:
            operations.change_password(
                current_user,
                password_form.current.data,
                password_form.new.data,
                keep=current_user.login_session,
            )
        except DomainError as error:
            place_error(error, password_form, {"wrong_password": "current"}, default="new")
        else:
            flash_success(
                _(
                    "Your password is changed. Your other devices are signed out and your API "
                    "tokens no longer work."
                )
            )
            return redirect(url_for("accounts.account"))
    return _account_page(form, password_form, 422)


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every other device and revoke every API token."""
    count = operations.sign_out_other_devices(current_user, keep=current_user.login_session)
    flash_success(
        ngettext(
            "%(num)d other device signed out. Your API tokens no longer work.",
            "%(num)d other devices signed out. Your API tokens no longer work.",
            count,
        )
    )
    return redirect(url_for("accounts.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of my API tokens."""
    token = operations.api_token_of(current_user, token_id)
    if Form().validate_on_submit():
        operations.revoke_api_token(token)
        flash_success(_("The token is revoked: it no longer works."))
    return redirect(url_for("accounts.account") + "#tokens-heading")


# The secret being set up waits in the (signed) session cookie until the app shows its code.
SETUP_KEY = "two_step_setup"


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def two_step_setup():
    """Set up two-step sign-in: scan the picture with an app, type the code it shows."""
    user = current_user
    if user.has_two_step:
        return redirect(url_for("accounts.account"))
    secret = session.get(SETUP_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[SETUP_KEY] = two_step.new_secret()
    form = TwoStepSetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = operations.enable_two_step(user, secret, form.code.data)
        except DomainError as error:
            place_error(error, form, {}, default="code")
            status = 422
        else:
            session.pop(SETUP_KEY, None)
            return render_template("accounts/recovery_codes.html", codes=codes, first=True)
    elif form.is_submitted():
        status = 422
    uri = two_step.provisioning_uri(secret, user.identifier)
    return render_template(
        "accounts/two_step.html",
        form=form,
        qr=qr_code(uri, _("Picture to scan with the app")),
        secret=two_step.grouped(secret),
    ), status


@bp.post("/account/two-step/recovery-codes")
@login_required
def renew_recovery_codes():
    """New recovery codes (the password is asked again); the old ones stop working."""
    form = ConfirmPasswordForm(prefix="confirm")
    if not current_user.has_two_step:
        return redirect(url_for("accounts.account"))
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Please give your password."), code="wrong_password")
        codes = operations.renew_recovery_codes(current_user, form.password.data)
    except DomainError as error:
        flash_error(error.message)
        return redirect(url_for("accounts.account") + "#two-step-heading")
    return render_template("accounts/recovery_codes.html", codes=codes, first=False)


@bp.post("/account/two-step/disable")
@login_required
def disable_two_step():
    """Turn two-step sign-in off (the password is asked again)."""
    form = ConfirmPasswordForm(prefix="confirm")
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Please give your password."), code="wrong_password")
        operations.disable_two_step(current_user, form.password.data)
    except DomainError as error:
        flash_error(error.message)
    else:
        flash_success(_("Two-step sign-in is off. Your password alone signs you in."))
    return redirect(url_for("accounts.account") + "#two-step-heading")


@bp.post("/language")
def set_language():
    """Switch the language; remembered in a cookie and, when signed in, on the account."""
    language = request.form.get("lang", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = language
    target = request.form.get("next")
    response = make_response(
        redirect(target if is_safe_target(target) else url_for("overview.home"))
    )
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="Lax")
    return response


ADMIN_PAGE_SIZE = 50


def require_admin() -> None:
    """Platform admins manage accounts and organisations; they see no plan contents."""
    if not current_user.is_admin:
        abort(404)


@bp.get("/admin/users")
@login_required
def admin_users():
    """Accounts, searchable by name or identifier (admins only)."""
    require_admin()
    search = request.args.get("q", "").strip()
    page = page_number()
    query = select(User).options(joinedload(User.organisation)).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern),
                User.email.like(pattern),
                User.login_name.like(pattern),
            )
        )
    users = db.session.scalars(
        query.offset((page - 1) * ADMIN_PAGE_SIZE).limit(ADMIN_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "accounts/admin_users.html",
        users=users[:ADMIN_PAGE_SIZE],
        has_more=len(users) > ADMIN_PAGE_SIZE,
        page=page,
        search=search,
    )


@bp.post("/admin/users/<int:user_id>/<any(deactivate, reactivate):action>")
@login_required
def admin_set_active(user_id: int, action: str):
    """Deactivate or reactivate an account."""
    require_admin()
    user = db.get_or_404(User, user_id)
    if Form().validate_on_submit():
        try:
            operations.set_active(current_user, user, action == "reactivate")
        except DomainError as error:
            flash_error(error.message)
        else:
            if action == "reactivate":
                flash_success(_("%(name)s's account is active again.", name=user.name))
            else:
                flash_success(_("%(name)s's account is deactivated.", name=user.name))
    return redirect(url_for("accounts.admin_users", q=request.args.get("q") or None))


@bp.get("/admin/organisations")
@login_required
def admin_organisations():
    """Organisations and how many accounts belong to each (admins only)."""
    require_admin()
    rows = db.session.execute(
        select(Organisation, func.count(User.id))
        .outerjoin(User, User.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return render_template("accounts/admin_organisations.html", rows=rows)


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def admin_organisation(organisation_id: int):
    """Correct an organisation's name, say which territory (département) it serves."""
    require_admin()
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            operations.rename_organisation(organisation, form.name.data)
            if "territory" in request.form:  # a form sent without the field keeps it
                operations.set_territory(organisation, form.territory.data)
        except DomainError as error:
            place_error(error, form, {"invalid_territory": "territory"}, default="name")
        else:
            flash_success(_("The organisation is saved."))
            return redirect(url_for("accounts.admin_organisations"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/admin_organisation.html", organisation=organisation, form=form
    ), status


SECURITY_PAGE_SIZE = 50


@bp.get("/admin/security")
@login_required
def admin_security():
    """The security log: failed sign-ins, throttling, denied accesses (admins only)."""
    require_admin()
    page = page_number()
    event = request.args.get("event", "")
    search = request.args.get("q", "").strip()
    query = (
        select(SecurityEvent, User)
        .outerjoin(User, User.id == SecurityEvent.user_id)
        .order_by(SecurityEvent.id.desc())
    )
    if event in EVENTS:
        query = query.where(SecurityEvent.event == event)
    if search:
        # The log keeps a pseudonym of what was typed; the account, when there is one.
        account = operations.user_by_identifier(search)
        condition = SecurityEvent.identifier_key == identifier_key(search)
        if account is not None:
            condition = or_(condition, SecurityEvent.user_id == account.id)
        query = query.where(condition)
    rows = db.session.execute(
        query.offset((page - 1) * SECURITY_PAGE_SIZE).limit(SECURITY_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "accounts/admin_security.html",
        rows=rows[:SECURITY_PAGE_SIZE],
        has_more=len(rows) > SECURITY_PAGE_SIZE,
        page=page,
        event=event if event in EVENTS else "",
        events=EVENTS,
        search=search,
    )
