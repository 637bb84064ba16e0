"""Sign-up, sign-in, sign-out, the account page and the language switch."""

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select

from parcours.accounts import operations
from parcours.accounts.forms import (
    LoginForm,
    OrganisationForm,
    PasswordForm,
    ProfileForm,
    SignupForm,
)
from parcours.accounts.models import Organisation, User
from parcours.core.errors import DomainError
from parcours.core.i18n import LANGUAGE_COOKIE
from parcours.core.navigation import is_safe_target, next_target, page_number
from parcours.core.views import flash_error, flash_success, place_error
from parcours.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(key: str):
    return operations.user_for_login_session(key)


def attempt_key() -> str:
    """Failed sign-ins are counted per account (the identifier typed), not per address."""
    data = request.form or request.get_json(silent=True)
    if not isinstance(data, dict):
        return "login:"  # not a sign-in attempt the view could accept
    identifier = data.get("identifier") or data.get("email") or data.get("login_name") or ""
    return "login:" + str(identifier).strip().lower()


def attempts_limit() -> str:
    return current_app.config["LOGIN_ATTEMPTS_LIMIT"]


limit_failed_logins = limiter.limit(
    attempts_limit,
    key_func=attempt_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 401,
)


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_logins
def login():
    """Sign in with an e-mail address (or login name) and a password."""
    if current_user.is_authenticated:
        return redirect(next_target())
    form = LoginForm(next=request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        user = operations.authenticate(form.identifier.data, form.password.data)
        if user is not None:
            operations.sign_in(user, remember=form.remember.data)
            # The home page sends people who read easy-read to their own home.
            return redirect(next_target())
        form.password.errors.append(_("The e-mail address or the password is not right."))
        status = 401
    elif form.is_submitted():
        status = 422
    return render_template("accounts/login.html", form=form), status


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


def create_account(form):
    """The account of a valid sign-up form, signed in; None when the domain refused it (the
    reason is then on the form)."""
    try:
        user = operations.create_user(
            name=form.name.data,
            email=form.email.data or None,
            login_name=form.login_name.data or None,
            password=form.password.data,
            is_professional=form.is_professional.data,
            organisation=form.organisation.data,
            function=form.function.data,
        )
    except DomainError as error:
        place_error(error, form, SIGNUP_ERROR_FIELDS, default="email")
        return None
    operations.sign_in(user)
    flash_success(_("Welcome, %(name)s. Your account is ready.", name=user.name))
    return user


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account, when sign-up is open (an invitation has its own sign-up page)."""
    if not current_app.config["SIGNUP_ENABLED"]:
        return render_template("accounts/signup_closed.html"), 403
    if current_user.is_authenticated:
        return redirect(url_for("overview.home"))
    form = SignupForm()
    if form.validate_on_submit() and create_account(form) is not None:
        return redirect(url_for("overview.home"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/signup.html", form=form, invitation=None), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's profile: name, language, easy-read, organisation and function."""
    user = current_user
    form = ProfileForm(
        obj=user,
        locale=user.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        easy_read={None: "default", True: "on", False: "off"}[user.easy_read],
        organisation=user.organisation.name if user.organisation else "",
    )
    password_form = PasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            operations.update_profile(
                user,
                name=form.name.data,
                locale=form.locale.data,
                easy_read={"default": None, "on": True, "off": False}[form.easy_read.data],
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
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form, password_form=password_form), status


@bp.post("/account/password")
@login_required
def change_password():
    """Change one's password; the other devices are signed out."""
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="password")
    if password_form.validate_on_submit():
        try:
            operations.change_password(
                current_user, password_form.current.data, password_form.new.data
            )
        except DomainError as error:
            place_error(error, password_form, {"wrong_password": "current"}, default="new")
        else:
            operations.end_other_login_sessions(current_user, keep=current_user.login_session)
            flash_success(_("Your password is changed. Your other devices are signed out."))
            return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form, password_form=password_form), 422


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every other device."""
    count = operations.end_other_login_sessions(current_user, keep=current_user.login_session)
    flash_success(
        ngettext("%(num)d other device signed out.", "%(num)d other devices signed out.", count)
    )
    return redirect(url_for("accounts.account"))


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
    query = select(User).order_by(User.name, User.id)
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
        form=FlaskForm(),
    )


@bp.post("/admin/users/<int:user_id>/<any(deactivate, reactivate):action>")
@login_required
def admin_set_active(user_id: int, action: str):
    """Deactivate or reactivate an account."""
    require_admin()
    user = db.get_or_404(User, user_id)
    if FlaskForm().validate_on_submit():
        try:
            operations.set_active(current_user, user, action == "reactivate")
        except DomainError as error:
            flash_error(error.message)
        else:
            if action == "reactivate":
                flash_success(_("The account of %(name)s is active again.", name=user.name))
            else:
                flash_success(_("The account of %(name)s is deactivated.", name=user.name))
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
    """Correct an organisation's name."""
    require_admin()
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            operations.rename_organisation(organisation, form.name.data)
        except DomainError as error:
            place_error(error, form, {}, default="name")
        else:
            flash_success(_("The organisation is renamed."))
            return redirect(url_for("accounts.admin_organisations"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/admin_organisation.html", organisation=organisation, form=form
    ), status
