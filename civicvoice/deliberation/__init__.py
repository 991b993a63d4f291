"""Deliberation on a demand: arguments for and against, questions and replies, and amendments to its text."""
