"""The board's rows as plain strings, formatted once in Python.

A board lists a few hundred rows; formatting each date, number and label through
template filters costs more than everything else on the page, so the rows reach
the template ready to print. Rows are dicts (typed here): the template engine tries an
item lookup before an attribute, so a dict answers each of the page's two thousand
lookups at the first try.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from corridor.cases.dashboards import Board, Workload
from corridor.cases.models import Flag, IncidentKind, LegKind, Phase, RiskLevel, TravelMode
from corridor.web.labels import STEP_LABELS
from corridor.web.templatetags.corridor_tags import case_path, place_label

MINUTE = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"


class IncidentRow(TypedDict):
    ref: str
    url: str
    kind: str
    opened: str
    progress: str
    done: int
    total: int
    steps: list[tuple[str, bool]]


class LegRow(TypedDict):
    ref: str
    url: str
    day: str
    kind: str
    route: str
    mode: str
    people: str


class PhaseRow(TypedDict):
    code: str
    label: str
    count: str
    flagged: list[tuple[str, str, str]]


class QueueRow(TypedDict):
    ref: str
    url: str
    phase: str
    risk: str
    opened: str


@dataclass(frozen=True)
class BoardRows:
    incidents: list[IncidentRow]
    incident_count: int
    in_motion: list[LegRow]
    in_motion_count: int
    phases: list[PhaseRow]
    unassigned: list[QueueRow]
    unassigned_count: int
    workload: list[Workload]


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
                ref=row.ref,
                url=f"{case_path(row.ref)}incidents/{row.id}/",
                kind=kinds.get(row.kind, row.kind),
                opened=row.opened_at.strftime(MINUTE),
                progress=f"{row.done}/{row.steps}",
                done=row.done,
                total=row.steps,
                steps=[
                    (_label(steps, str(step.get("step"))), bool(step.get("done_at")))
                    for step in row.checklist
                ],
            )
            for row in board.incidents
        ],
        incident_count=board.incident_count,
        in_motion=[
            LegRow(
                ref=row.ref,
                url=case_path(row.ref),
                day=row.travel_on.strftime(DAY),
                kind=legs.get(row.kind, row.kind),
                route=f"{place_label(row.from_place)} → {place_label(row.to_place)}",
                mode=modes.get(row.mode, row.mode),
                people=str(row.people or 0),
            )
            for row in board.in_motion
        ],
        in_motion_count=board.in_motion_count,
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
        workload=list(board.workload),
    )
