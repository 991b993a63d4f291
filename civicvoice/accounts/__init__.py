"""Accounts: registration, email verification, sign-in, profile, identity levels and account deletion."""
