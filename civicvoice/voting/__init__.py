"""Voting: adoption votes on a demand and priority ballots across demands, open or secret, with proxies."""
