"""The board's rows as plain strings, formatted once in Python.

A board lists a few hundred rows; formatting each date, number and label through
template filters costs more than everything else on the page, so the rows reach
the template ready to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor.cases.dashboards import Board
from corridor.cases.models import Flag, IncidentKind, LegKind, Phase, RiskLevel, TravelMode
from corridor.web.labels import STEP_LABELS
from corridor.web.templatetags.corridor_tags import case_path

MINUTE = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"


@dataclass(frozen=True)
class IncidentRow:
    ref: str
    url: str
    kind: str
    opened: str
    progress: str
    steps: list[tuple[str, bool]]


@dataclass(frozen=True)
class LegRow:
    ref: str
    url: str
    day: str
    kind: str
    route: str
    mode: str
    people: str


@dataclass(frozen=True)
class PhaseRow:
    code: str
    label: str
    count: str
    flagged: list[tuple[str, str, str]]


@dataclass(frozen=True)
class QueueRow:
    ref: str
    url: str
    phase: str
    risk: str
    opened: str


@dataclass(frozen=True)
class BoardRows:
    incidents: list[IncidentRow]
    in_motion: list[LegRow]
    phases: list[PhaseRow]
    unassigned: list[QueueRow]
    unassigned_count: int
    workload: list[tuple[str, str, str]]


def _label(labels: dict[str, str], code: str) -> str:
    return labels.get(code, code)


def board_rows(board: Board) -> BoardRows:
    kinds = {code: str(label) for code, label in IncidentKind.choices}
    legs = {code: str(label) for code, label in LegKind.choices}
    modes = {code: str(label) for code, label in TravelMode.choices}
    phases = {code: str(label) for code, label in Phase.choices}
    risks = {code: str(label) for code, label in RiskLevel.choices}
    steps = {code: str(label) for code, label in STEP_LABELS.items()}
    flags = {code: str(label) for code, label in Flag.choices}
    return BoardRows(
        incidents=[
            IncidentRow(
                ref=row.incident.case.ref,
                url=f"{case_path(row.incident.case.ref)}incidents/{row.incident.pk}/",
                kind=kinds.get(row.incident.kind, row.incident.kind),
                opened=row.incident.created_at.strftime(MINUTE),
                progress=f"{row.done}/{row.steps}",
                steps=[
                    (_label(steps, str(step.get("step"))), bool(step.get("done_at")))
                    for step in row.incident.checklist
                ],
            )
            for row in board.incidents
        ],
        in_motion=[
            LegRow(
                ref=row.leg.case.ref,
                url=case_path(row.leg.case.ref),
                day=row.leg.travel_on.strftime(DAY),
                kind=legs.get(row.leg.kind, row.leg.kind),
                route=f"{row.leg.from_place} → {row.leg.to_place}",
                mode=modes.get(row.leg.mode, row.leg.mode),
                people=str(row.people or 0),
            )
            for row in board.in_motion
        ],
        phases=[
            PhaseRow(
                code=column.phase.value,
                label=phases[column.phase.value],
                count=str(column.count),
                flagged=[
                    (ref, case_path(ref), ", ".join(flags.get(code, code) for code in codes))
                    for ref, codes in column.flagged
                ],
            )
            for column in board.phases
        ],
        unassigned=[
            QueueRow(
                ref=case.ref,
                url=case_path(case.ref),
                phase=phases.get(case.phase, case.phase),
                risk=risks.get(case.risk_level, "—"),
                opened=case.opened_at.strftime(DAY),
            )
            for case in board.unassigned
        ],
        unassigned_count=board.unassigned_count,
        workload=[(row.username, str(row.cases), str(row.leads)) for row in board.workload],
    )
