"""The committee's dashboard: what needs the committee now, and the community's figures."""
