"""Device enrolment: keys made on the device, one-time tokens issued by the hub."""
