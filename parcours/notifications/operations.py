"""Changes to what a user receives."""

from parcours.accounts.models import Notifications, User


def unsubscribe(user: User) -> None:
    """No more digests (the messages people ask for, an invitation or a new password, still
    go out)."""
    user.notifications = Notifications.never
