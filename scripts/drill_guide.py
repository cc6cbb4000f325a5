"""The parts of docs/operators.md the install drill uses as they are written: the systemd
units, the two environment files and keyd's database role, moved under the drill's
prefix. Reading them from the guide means the guide and the drill cannot drift.

    drill_guide.py --prefix P --database HOST:PORT show corridor.service|env|keyd.env|keyd-role
    drill_guide.py --prefix P --database HOST:PORT show pg_ident.conf|pg_hba.conf
    drill_guide.py --prefix P --database HOST:PORT units DIR      # write the four units
    drill_guide.py --prefix P --database HOST:PORT run corridor-keyd.service [ARG...]

`run` starts a unit's ExecStart (with its extra arguments) the way systemd would: as its
User= and Group= (with the user's other groups), with its EnvironmentFile= only, in its
WorkingDirectory=, under its UMask=. The machine has no running systemd.
"""

from __future__ import annotations

import argparse
import configparser
import os
import pwd
import re
import shlex
import sys
from pathlib import Path
from urllib.parse import quote

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "operators.md"
UNIT = re.compile(r"`/etc/systemd/system/([\w.-]+)`:\n\n```ini\n(.*?)```", re.DOTALL)
ENV_FILES = {
    "env": re.compile(r"Put the environment in `/etc/corridor/env`.*?```sh\n(.*?)```", re.DOTALL),
    "keyd.env": re.compile(r"`/etc/corridor/keyd.env` \(mode.*?```sh\n(.*?)```", re.DOTALL),
}
KEYD_ROLE = re.compile(r"```sql\n(-- keyd read-only role\n.*?)```", re.DOTALL)
PEER_MAP = re.compile(r"```text\n(\s*# pg_ident.conf.*?)```", re.DOTALL)
WORKER = "corridor-worker.service"
PORTAL = "corridor-portal.service"
WEB_START = "corridor serve --host 127.0.0.1 --port 8000"
# Folders of the guide and where the drill puts them (under --prefix).
MOVED = ("/srv/corridor", "/etc/corridor", "/run/corridor-keyd", "/var/lib/corridor-keyd")
SOCKET_DIR = "%2Frun%2Fpostgresql"


def moved(text: str, *, prefix: str, database: str) -> str:
    """The guide's text with its folders under `prefix` and its PostgreSQL socket replaced
    by the drill's cluster (`database` is "SOCKET_DIR:PORT")."""
    for folder in MOVED:
        text = re.sub(re.escape(folder) + r"(?=[/\s'\"]|$)", prefix + folder, text, flags=re.M)
    socket_dir, _, port = database.rpartition(":")
    return text.replace(SOCKET_DIR, f"{quote(socket_dir, safe='')}:{port}")


def units(guide: str) -> dict[str, str]:
    """The guide's units; the worker's and the portal's are made from the web's as the
    guide says (its sentences are checked, word for word, before they are followed)."""
    found = {match.group(1): match.group(2) for match in UNIT.finditer(guide)}
    web = found["corridor.service"]
    said = " ".join(guide.split())
    derived = {
        WORKER: (
            f"`/etc/systemd/system/{WORKER}` is the same with "
            "`ExecStart=/srv/corridor/app/.venv/bin/corridor worker`, "
            "`Description=Corridor worker` and `User=corridor-worker`",
            "worker",
            "corridor worker",
        ),
        PORTAL: (
            f"`/etc/systemd/system/{PORTAL}` is the web's unit (section 5) with "
            "`ExecStart=/srv/corridor/app/.venv/bin/corridor serve --portal --host 127.0.0.1 "
            "--port 8001`, `Description=Corridor portal` and `User=corridor-portal`",
            "portal",
            "corridor serve --portal --host 127.0.0.1 --port 8001",
        ),
    }
    for name, (sentence, role, start) in derived.items():
        if sentence not in said:
            raise SystemExit(f"the guide no longer says how {name} differs from corridor.service")
        found[name] = (
            web.replace("Description=Corridor web", f"Description=Corridor {role}")
            .replace(WEB_START, start)
            .replace("User=corridor\n", f"User=corridor-{role}\n")
        )
    return found


def peer_map(guide: str, name: str) -> str:
    """The lines the guide adds to pg_ident.conf or to pg_hba.conf (its text block)."""
    matched = PEER_MAP.search(guide)
    if matched is None:
        raise SystemExit("docs/operators.md has no pg_ident.conf block any more")
    lines: dict[str, list[str]] = {}
    current = ""
    for line in matched.group(1).splitlines():
        line = line.strip()
        if line.startswith("# "):
            current = line[2:].split(":")[0]
        elif line:
            lines.setdefault(current, []).append(line)
    return "".join(f"{line}\n" for line in lines[name])


def block(guide: str, name: str) -> str:
    if name in ENV_FILES:
        matched = ENV_FILES[name].search(guide)
    elif name == "keyd-role":
        matched = KEYD_ROLE.search(guide)
    elif name in ("pg_ident.conf", "pg_hba.conf"):
        return peer_map(guide, name)
    else:
        return units(guide)[name]
    if matched is None:
        raise SystemExit(f"docs/operators.md has no block {name!r} any more")
    return matched.group(1)


def run_unit(text: str, extra: list[str]) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    service = parser["Service"]
    env: dict[str, str] = {}
    for line in Path(service["EnvironmentFile"]).read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            env[name.strip()] = value.strip()
    user = pwd.getpwnam(service["User"])
    env.update(PATH="/usr/bin:/bin", LANG="C.UTF-8", HOME=user.pw_dir)
    os.chdir(service["WorkingDirectory"])
    os.umask(int(service.get("UMask", "0022"), 8))
    command = [*shlex.split(service["ExecStart"]), *extra]
    setpriv = [
        "setpriv",
        f"--reuid={user.pw_name}",
        f"--regid={service.get('Group', user.pw_name)}",
        "--init-groups",
        "--",
    ]
    # Replaced by the unit's process, as systemd would run it (the drill keeps its pid).
    os.execvpe("setpriv", [*setpriv, *command], env)  # noqa: S606, S607 - from util-linux


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--database", required=True, help="the cluster's SOCKET_DIR:PORT")
    parser.add_argument("action", choices=["show", "units", "run"])
    parser.add_argument("name")
    parser.add_argument("extra", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    guide = GUIDE.read_text(encoding="utf-8")

    def place(text: str) -> str:
        return moved(text, prefix=args.prefix, database=args.database)

    if args.action == "show":
        sys.stdout.write(place(block(guide, args.name)))
    elif args.action == "units":
        for name, text in units(guide).items():
            (Path(args.name) / name).write_text(place(text), encoding="utf-8")
            sys.stdout.write(f"{Path(args.name) / name}\n")
    else:
        run_unit(place(units(guide)[args.name]), args.extra)


if __name__ == "__main__":
    main(sys.argv[1:])
