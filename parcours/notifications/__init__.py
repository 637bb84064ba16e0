"""E-mail (issue 13, part 2): the digest of what waits for each user, as often as they chose,
and the messages people ask for (an invitation, a new password); written to an outbox in the
transaction of the change that causes them, delivered by `flask notifications send`."""
