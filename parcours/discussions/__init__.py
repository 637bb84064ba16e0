"""Discussions: members talk about the objective, each proposal and each hand-off, in a thread
under it (issue 13, part 3); a reply or a mention is news for that member in "For me"."""
