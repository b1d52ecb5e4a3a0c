"""Demo orchestration: the job change (転職) end to end with real processes on loopback.

- ``JobChangeDemo(workdir, console=..., scenario=..., interactive=...).run() -> DemoOutcome``:
  the story of DOMAIN.md, every role run through its ``honnin`` commands.
- ``ServiceGroup``: start services, wait until they answer HTTP, stop them all on exit.
- ``HonninCli``, ``missing_commands``: run ``honnin`` sub-commands; check they exist.
- ``DemoError``: a step could not run (message and hint for the person at the terminal).
"""

from honnin.demo.commands import HonninCli, missing_commands
from honnin.demo.job_change import REQUIRED_COMMANDS, SCENARIOS, DemoOutcome, JobChangeDemo
from honnin.demo.processes import DemoError, ServiceGroup, free_port, sigterm_as_interrupt

__all__ = [
    "REQUIRED_COMMANDS",
    "SCENARIOS",
    "DemoError",
    "DemoOutcome",
    "HonninCli",
    "JobChangeDemo",
    "ServiceGroup",
    "free_port",
    "missing_commands",
    "sigterm_as_interrupt",
]
