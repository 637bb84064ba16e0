"""Reactions between packages: a package below sends, the packages above it listen.

A lower package cannot call up into the ones that build on it (imports run one way), so when
something happens that another package must react to, the package it happens in sends a
signal and the other connects a receiver when it is imported. Receivers run at once, in the
sender's transaction: what they write is committed (or rolled back) with the change itself.
"""

from blinker import Namespace

_signals = Namespace()

# A member is no longer part of a parcours (they left, were removed, or closed their
# account). Sender: the Member, already marked as left.
member_left = _signals.signal("member-left")

# The person (or their legal representative) refused, or withdrew, their consent to share the
# plan with an organisation: its members leave, its invitations and answer links stop working.
# Sender: the Consent; `by`: the member who answered.
consent_refused = _signals.signal("consent-refused")

# Something in a parcours changed: every change written to its access log sends it.
# Sender: the parcours id.
parcours_changed = _signals.signal("parcours-changed")

# An organisation's name changed (an admin corrected it). Sender: the Organisation.
organisation_renamed = _signals.signal("organisation-renamed")

# Someone asked for an account with an e-mail address that already has one. The sign-up page
# answers as for a new address (it does not reveal who has an account); a receiver tells the
# owner by e-mail. Sender: the existing User.
signup_for_existing_account = _signals.signal("signup-for-existing-account")

# An invitation was created. A receiver sends it when it carries an e-mail address (the printed
# card stays for people without one). Sender: the Invitation; `token`: the link's token, given
# once and never stored.
invitation_created = _signals.signal("invitation-created")

# Someone asked for a new password for an active account that has an e-mail address; a
# receiver sends the link. Sender: the User; `token`: the single-use token, never stored.
password_reset_requested = _signals.signal("password-reset-requested")

# A message of a discussion answers a member or mentions them: it is news for them in "For
# me" (read from the access log); a receiver may tell them by e-mail (that something waits,
# never the text). Sender: the Comment; `member`: the Member told; `kind`: "reply" or "mention".
member_addressed = _signals.signal("member-addressed")
