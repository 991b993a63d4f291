"""Proposals ("demands" in the UI): drafting, co-authors, revisions, committee review and their public life."""
