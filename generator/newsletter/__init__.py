"""Newsletter issues: selection by period, e-mail rendering, MIME assembly."""


def newsletter_command(args) -> int:
    raise NotImplementedError("agora newsletter lands with the newsletter issue")
