"""The `success_plan` module's decisions (YE-14): every open plan of a rolled student carried into
the next year.

- A plan of the school year that is open, whose student has an enrollment in a calendar of the
  next year, gets a new plan: a new id, the next school year, status open, the same title, and
  `carried_from` naming the old plan.  Its goals are copied under new ids with progress cleared.
- A closed plan stays behind.  An open plan of a student with no next-year enrollment stays
  behind with a NOT_ROLLED warning.  A plan some stored plan was already carried from is
  skipped (a re-run carries nothing twice).
- The new plan's school (in the rollover log) is that of the student's earliest next-year
  enrollment; a warning's, that of the student's latest enrollment of the school year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..calendar_roll import IdAllocator, next_id
from ..change_plan import LogMessage, ModulePlan, inserts
from .places import first_places, last_places, school_of
from .rows import EnrollmentPlace, PlanGoal, SuccessPlan

OPEN, CLOSED = "open", "closed"
NOT_ROLLED = "NOT_ROLLED"


@dataclass(frozen=True)
class PlanRows:
    plans: Sequence[SuccessPlan]  # of the school year (others are ignored)
    goals: Sequence[PlanGoal]  # of those plans
    carried_from: frozenset[str]  # ids of plans some stored plan was carried from
    next_year: Sequence[EnrollmentPlace]  # the next year's enrollments of the plans' students
    this_year: Sequence[EnrollmentPlace]  # the school year's enrollments of the plans' students
    taken_plan_ids: frozenset[str]  # every plan id stored
    taken_goal_ids: frozenset[str]  # every goal id stored


@dataclass
class CarriedPlans:
    plans: list[SuccessPlan] = field(default_factory=list)
    goals: list[PlanGoal] = field(default_factory=list)
    closed: list[SuccessPlan] = field(default_factory=list)
    already_carried: list[SuccessPlan] = field(default_factory=list)
    not_rolled: list[SuccessPlan] = field(default_factory=list)


def carry_plans(rows: PlanRows, school_year: int) -> CarriedPlans:
    """YE-14: which plans are carried (with their goals) and which stay behind, and why."""
    rolled = first_places(rows.next_year)
    goals_of: dict[str, list[PlanGoal]] = defaultdict(list)
    for goal in sorted(rows.goals, key=lambda g: g.goal_id):
        goals_of[goal.plan_id].append(goal)
    plan_ids, goal_ids = IdAllocator(rows.taken_plan_ids), IdAllocator(rows.taken_goal_ids)
    result = CarriedPlans()
    for plan in sorted(rows.plans, key=lambda p: p.plan_id):
        if plan.school_year != school_year:
            continue
        if plan.status != OPEN:
            result.closed.append(plan)  # YE-14: closed plans stay behind
        elif plan.plan_id in rows.carried_from:
            result.already_carried.append(plan)  # carried by an earlier run
        elif plan.student_id not in rolled:
            result.not_rolled.append(plan)
        else:
            new_id = plan_ids.allocate(next_id(plan.plan_id, school_year))
            result.plans.append(SuccessPlan(new_id, plan.student_id, school_year + 1, OPEN,
                                            plan.title, plan.plan_id))
            # YE-14: goals copied, progress cleared.
            result.goals.extend(
                PlanGoal(goal_ids.allocate(next_id(goal.goal_id, school_year)), new_id,
                         goal.description, None)
                for goal in goals_of[plan.plan_id])
    return result


def plan_success_plans(rows: PlanRows, school_year: int) -> ModulePlan:
    carried = carry_plans(rows, school_year)
    next_year, this_year = first_places(rows.next_year), last_places(rows.this_year)
    student_of_plan = {p.plan_id: p.student_id for p in carried.plans}
    plan = ModulePlan(summary={
        "plans_carried": len(carried.plans),
        "goals_copied": len(carried.goals),
        "plans_closed_left": len(carried.closed),
        "plans_already_carried": len(carried.already_carried),
        "plans_not_rolled": len(carried.not_rolled),
    })
    plan.add(inserts("success_plans", SuccessPlan._fields, carried.plans,
                     lambda r: school_of(r.student_id, next_year)))
    plan.add(inserts("plan_goals", PlanGoal._fields, carried.goals,
                     lambda r: school_of(student_of_plan[r.plan_id], next_year)))
    plan.messages.extend(
        LogMessage("warning", NOT_ROLLED, p.plan_id, school_of(p.student_id, this_year),
                   f"open plan {p.plan_id} of student {p.student_id} stays in {school_year}: "
                   f"the student has no enrollment in {school_year + 1}")
        for p in carried.not_rolled)
    return plan
