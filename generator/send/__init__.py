"""Sending an issue: proofs and delivery in every language over SMTP, exactly once per recipient.

A state machine on disk. For each (issue, recipient) the ledger (`ledger`, SQLite) holds one row in one of

    pending ──▶ sending ──▶ sent          2xx: delivered to the server
                   │   ├──▶ deferred      4xx or 552, or the connection lost before the end of DATA:
                   │   │                  retried with backoff within the run (bounded), then by the next run
                   │   ├──▶ failed        other 5xx: never retried
                   │   └──▶ uncertain     the connection lost after the end of DATA, before the reply
                   └── (run killed) ──▶ uncertain, found in `sending` when the next run opens the ledger

and every arrow is committed before the next SMTP command goes out. A re-run sends to pending and deferred
recipients only; uncertain ones (which may have the message) only with `--resend-uncertain`. After a complete
send, `newsletters/<id>.sent.yml` records it (counts and date, no addresses) for the editor to commit, so a
machine without the ledger is refused without `--again`.

The modules: `recipients` (the CSV, checked in one pass) → `letters` (each recipient's message, filled into
the `.eml` rendering of `generator.newsletter`; DKIM) → `smtp` (one transaction, its outcome) → `ledger` →
`command` (the CLI: checks, sending threads, progress, summary). Engine-neutral: nothing here imports MkDocs.
"""

from generator.send.command import send_command

__all__ = ["send_command"]
