"""Activity: the Event every service records, and in-app notifications read from events."""
from .services import notify, record  # noqa: F401
