"""Why the local stack could not start; every message says what to do about it."""


class DevstackError(Exception):
    """Base of every error raised by devstack."""


class JavaMissing(DevstackError):
    """No Java 17+ to run DynamoDB Local with."""


class PortInUse(DevstackError):
    """A port the stack needs is already taken by another process."""


class ProcessExited(DevstackError):
    """A server exited before it was ready."""


class StartupTimeout(DevstackError):
    """A server did not become ready before its deadline."""
