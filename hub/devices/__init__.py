"""Edge boxes: enrolment, their place in the file, health from heartbeats, remote configuration."""
