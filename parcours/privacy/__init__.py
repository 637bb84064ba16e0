"""The user's rights over their data: download everything about me, close my account."""
