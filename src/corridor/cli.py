"""The `corridor` command: Django's management commands with Corridor's settings preselected.

The settings module follows CORRIDOR_ENV (production by default). `corridor
setup` creates the secret key file before settings load, because settings
refuse to load without one.
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured

# keyd and the commands that talk to it (or to its files only) need no secret key and
# no data database: they run with keyd's own settings (config/settings/keyd.py).
KEYD_COMMANDS = (["keyd"], ["unseal"], ["seal"], ["keys", "init"], ["keys", "log"])
KEYD_SETTINGS = "corridor.config.settings.keyd"
# Commands spelt as the guide spells them; Django names a command after its module
# (and `import` cannot be a module's name).
ALIASES = {"onion-config": "onion_config", "import": "imports"}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    # Everything Corridor writes (databases, keys, logs, backups) is private to its user.
    os.umask(0o077)
    try:
        _configure(args)
        from django.core.management import execute_from_command_line

        execute_from_command_line(["corridor", *args])
    except ImproperlyConfigured as error:
        print(f"corridor: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _configure(args: list[str]) -> None:
    from corridor.config.env import ensure_secret_key_file, read_env

    if "DJANGO_SETTINGS_MODULE" in os.environ:
        return
    if any(args[: len(command)] == command for command in KEYD_COMMANDS):
        # Before read_env: keyd's user may not read the web's data directory.
        os.environ["DJANGO_SETTINGS_MODULE"] = KEYD_SETTINGS
        return
    env = read_env()
    if args[:1] == ["setup"] and ensure_secret_key_file(env):
        print(f"Created the secret key file in {env.data_dir}.", file=sys.stderr)
    os.environ["DJANGO_SETTINGS_MODULE"] = env.settings_module


if __name__ == "__main__":
    main()
