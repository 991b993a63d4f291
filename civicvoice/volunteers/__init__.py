"""Volunteers and community centres: profiles, offers of help, opportunities, matching, hours, certificates, feedback."""
