"""Accounts: users, organisations, sign-up and sign-in, login sessions and API tokens."""
