"""Importing members' posts from their RSS/Atom feeds (`agora fetch`)."""


def fetch_command(args) -> int:
    raise NotImplementedError("agora fetch lands with the feeds issue")
