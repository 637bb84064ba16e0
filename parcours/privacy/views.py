"""Pages: download my data, close my account."""

from flask import Blueprint, json, redirect, render_template, session, url_for
from flask_login import current_user, login_required, logout_user

from parcours.core.errors import DomainError
from parcours.core.models import today
from parcours.core.views import download, flash_error
from parcours.privacy.closing import close_account as close
from parcours.privacy.closing import closing_plan
from parcours.privacy.forms import CloseAccountForm
from parcours.privacy.mydata import my_data as my_data_document
from parcours.privacy.mydata import record_export

bp = Blueprint("privacy", __name__)


@bp.get("/account/data")
@login_required
def my_data():
    """Download everything the app holds about me, as a JSON file (logged in each plan)."""
    document = my_data_document(current_user)
    record_export(current_user)
    return download(
        json.dumps(document, ensure_ascii=False, indent=2),
        f"parcours-my-data-{today().isoformat()}.json",
        "application/json",
    )


def _close_page(form, status: int = 200):
    return render_template("privacy/close.html", form=form, plan=closing_plan(current_user)), status


@bp.route("/account/close", methods=["GET", "POST"])
@login_required
def close_account():
    """What closing my account does, then close it, given my password."""
    form = CloseAccountForm()
    if not form.validate_on_submit():
        return _close_page(form, 422 if form.is_submitted() else 200)
    try:
        close(current_user, form.password.data)
    except DomainError as error:
        if error.code == "wrong_password":
            form.password.errors.append(error.message)
        else:
            flash_error(error.message)
        return _close_page(form, error.status)
    logout_user()
    session.clear()
    return redirect(url_for("privacy.account_closed"))


@bp.get("/account/closed")
def account_closed():
    """Confirmation that an account was closed (it says nothing about whose)."""
    return render_template("privacy/closed.html")
