"""Meetings at the community centre: schedule, RSVP, calendar file, minutes and outcomes per demand."""
