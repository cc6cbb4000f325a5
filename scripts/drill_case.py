"""The install drill's staff and case, made through the services as staff would make them
on the site (an administrator adds the people, a coordinator opens and assigns a case).

    corridor shell < scripts/drill_case.py

Prints one JSON line: the case's ref and the caseworker's username, password and TOTP
secret (base32), for scripts/drill_http.py to log in with over HTTP. Fictional data only.
"""

import base64
import json
import secrets
import sys
from datetime import date, timedelta

from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.roles import Role
from corridor.accounts.services import create_staff
from corridor.cases.services import opening
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.core.actors import cli_actor
from corridor.people.inputs import NameEntry, PersonInput

password = "-".join(secrets.token_hex(3) for _ in range(4))
suffix = secrets.token_hex(3)
coordinator = create_staff(
    actor=cli_actor(),
    username=f"drill-coordinator-{suffix}",
    password=password,
    roles=[Role.COORDINATOR],
)
caseworker = create_staff(
    actor=cli_actor(),
    username=f"drill-caseworker-{suffix}",
    password=password,
    roles=[Role.CASEWORKER],
)
device = TOTPDevice.objects.create(user=caseworker, name="totp", confirmed=True)
case = opening.open_case(
    actor=coordinator,
    principal=PersonInput(
        names=[
            NameEntry(script="cyrl", given="Учебный", family="Прогон"),
            NameEntry(script="latn", given="Drill", family="Person"),
        ],
        address_as="Drill",
        date_of_birth=date(1990, 1, 1),
        contacts=[],
        narrative="A fictional person for the install drill.",
        nationality="RU",
        current_country="RU",
        has_international_passport=False,
    ),
    region="RU-CE",
    next_action="call back",
    next_action_due=clock.today() + timedelta(days=1),
)
assign_case(actor=coordinator, case=case, staff=caseworker)
case.refresh_from_db()
sys.stdout.write(
    json.dumps(
        {
            "ref": case.ref,
            "shown": "Прогон",
            "username": caseworker.username,
            "password": password,
            "totp_secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        }
    )
    + "\n"
)
