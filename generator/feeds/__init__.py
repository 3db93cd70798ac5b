"""Importing members' posts from their RSS/Atom feeds (`agora fetch`)."""


def fetch_command(args) -> int:
    # Imported on use: the pipeline pulls in httpx and feedparser, which nothing else in the package needs.
    from generator.feeds.command import fetch_command as run

    return run(args)
