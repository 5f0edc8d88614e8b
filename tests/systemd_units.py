"""Read what a systemd unit would run, so tests can run the shipped units' ExecStart lines
as the service user where systemd itself is not running."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

# The manager's environment systemd gives every service (PATH as systemd sets it).
SYSTEMD_BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "JOURNAL_STREAM": "0:0",
}


@dataclass
class ServiceUnit:
    path: Path
    user: str = "root"
    working_directory: str = "/"
    environment: dict[str, str] = field(default_factory=dict)
    exec_start: list[list[str]] = field(default_factory=list)
    settings: dict[str, list[str]] = field(default_factory=dict)

    def command_as_user(self, argv: list[str]) -> list[str]:
        """`argv` run as the unit's user with exactly the unit's environment."""
        env = {**SYSTEMD_BASE_ENV, **self.environment}
        return ["runuser", "-u", self.user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv]


def read_service(path: Path) -> ServiceUnit:
    unit = ServiceUnit(path=path)
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        if section != "Service":
            continue
        unit.settings.setdefault(key, []).append(value)
        if key == "User":
            unit.user = value
        elif key == "WorkingDirectory":
            unit.working_directory = value
        elif key == "Environment":
            for assignment in shlex.split(value):
                name, _, val = assignment.partition("=")
                unit.environment[name] = val
        elif key == "EnvironmentFile":
            optional = value.startswith("-")
            env_file = Path(value.lstrip("-"))
            if not env_file.exists() and optional:
                continue
            for env_line in env_file.read_text(encoding="utf-8").splitlines():
                env_line = env_line.strip()
                if env_line and not env_line.startswith("#") and "=" in env_line:
                    name, _, val = env_line.partition("=")
                    unit.environment[name.strip()] = val.strip().strip('"')
        elif key == "ExecStart":
            unit.exec_start.append(shlex.split(value.lstrip("-@+!:")))
    return unit
