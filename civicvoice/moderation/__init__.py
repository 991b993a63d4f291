"""Moderation: reports, automatic hiding, the committee's decisions, blocks, appeals, pre-moderation and the public log."""
