"""Errors a user can cause. The CLI turns them into one clear message and exit code 2."""


class SeawallError(Exception):
    """A usage or configuration problem a person can act on. The message must hold no secret."""

    exit_code = 2
