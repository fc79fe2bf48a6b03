"""Developer tools outside the installed package: bench (speed), eval (accuracy) and
stack (starting the servers and their databases on loopback, for tests and bench)."""
