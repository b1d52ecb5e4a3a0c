"""Demo orchestration: the job change (転職) end to end with real services on loopback.

- ``JobChangeDemo(workdir, console=..., scenario=..., interactive=..., cli=...).run() ->
  DemoOutcome``: the story of DOMAIN.md; scenarios ``consent``, ``over-ask``, ``both``.
- ``ServiceGroup``: start services, wait until they answer HTTP, stop them all on exit.
- ``InProcessCli`` (default) and ``HonninCli`` (child processes): run ``honnin``
  sub-commands and parse their ``--json`` output; ``missing_commands`` checks they exist.
- ``DemoError``: a step could not run (message and hint for the person at the terminal).
"""

from honnin.demo.commands import HonninCli, InProcessCli, missing_commands
from honnin.demo.job_change import (
    DEFAULT_SCENARIO,
    OVER_ASKED,
    REQUIRED_COMMANDS,
    SCENARIOS,
    DemoOutcome,
    JobChangeDemo,
)
from honnin.demo.processes import DemoError, ServiceGroup, free_port, sigterm_as_interrupt

__all__ = [
    "DEFAULT_SCENARIO",
    "OVER_ASKED",
    "REQUIRED_COMMANDS",
    "SCENARIOS",
    "DemoError",
    "DemoOutcome",
    "HonninCli",
    "InProcessCli",
    "JobChangeDemo",
    "ServiceGroup",
    "free_port",
    "missing_commands",
    "sigterm_as_interrupt",
]
