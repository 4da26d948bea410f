"""The exit codes of every ``iso10002`` command (README.md and docs list the same numbers)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means; every command exits with one of these."""

    #: Done; every ticket in the input was mapped and checked.
    OK = 0
    #: ``--fail-on`` matched: findings with one of the given statuses were produced.
    FAIL_ON = 1
    #: Configuration error: config, mapping, policy or waiver file; bad option; unset secret variable;
    #: ``report <return> --strict`` on a policy that does not extend the return's pack.
    CONFIG = 2
    #: Input error: file unreadable, invalid JSON, unknown payload shape, ticket not found.
    INPUT = 3
    #: Partial: some tickets could not be mapped (each is reported); the others were checked. Also
    #: ``report <return> --strict`` when a return counted complaints as unmapped (each value named).
    PARTIAL = 4
    #: Platform error (``pull``, ``writeback``, ``sync``, ``run``), another instance holds the
    #: lock, or the store stayed busy being created/migrated by another process.
    PLATFORM = 5
    #: ``verify-store``: the stored history was altered (hash chain broken); ``report`` from the
    #: store: a run it reads fails verification (no report written); ``verify-report``: the
    #: report does not match what its data gives (or was edited after writing).
    TAMPERED = 6
