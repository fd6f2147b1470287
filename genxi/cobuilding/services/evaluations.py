"""Co-building's writes: the yearly evaluations (评议) of partner units and in-service members.

A scheme is set up (its items with weights summing to 100, and its grades), computed (every
subject's computed scores from the records, manual scores kept), scored by hand where an item is
manual, and closed by sending the results (the units' handlers and the members are told; a
closed scheme changes no more). How scores, totals, grades and the ranking are worked out is
`genxi.cobuilding.evaluation`.
"""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.accounts.models import Role, User
from genxi.cobuilding import evaluation as ev
from genxi.cobuilding.models import Evaluation, EvaluationScheme, Subject
from genxi.core.audit import Actor, log_action
from genxi.core.notify import notify
from genxi.core.services import ServiceError, create_object, update_object
from genxi.places.models import STREET_KINDS, Area, AreaKind

MAX_TARGET = 100000


def _number(value: Any, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError(message, field=field) from exc
    if not number.is_finite():
        raise ServiceError(message, field=field)
    return number


def check_items(
    subject: str,
    items: list[dict[str, Any]],
    *,
    keep: frozenset[str] = frozenset(),
    taken: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The items as stored: labels, sources, whole-number weights summing to 100, targets.

    A computed item's key is its source. A manual item's key is made once and kept: an item
    that brings its key back (`item["key"]`, one of `keep`, the scheme's manual keys so far)
    keeps it, so its scores stay with it when other items are removed or moved; a new item gets
    `manualN`, N the lowest not in `taken` (every key the scheme or its results have used) nor
    given to another item here."""
    if not items:
        raise ServiceError(_("Add at least one item."), field="items")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    kept_keys = {
        str(item.get("key") or "")
        for item in items
        if item.get("source") == ev.MANUAL and str(item.get("key") or "") in keep
    }
    used: set[str] = set()
    for item in items:
        label = str(item.get("label") or "").strip()[:50]
        source = item.get("source") or ""
        if not label:
            raise ServiceError(_("Give each item a name."), field="items")
        if source != ev.MANUAL:
            indicator = ev.INDICATORS.get(source)
            if indicator is None or subject not in indicator.subjects:
                raise ServiceError(
                    _("“%(label)s”: choose what the item is computed from, or a manual score.")
                    % {"label": label},
                    field="items",
                )
            if source in seen:
                raise ServiceError(
                    _("“%(label)s”: each record can be counted by one item only.")
                    % {"label": label},
                    field="items",
                )
            seen.add(source)
            key = source
        else:
            key = str(item.get("key") or "")
            if key not in keep or key in used:
                n = 1
                while (key := f"manual{n}") in taken | kept_keys | used:
                    n += 1
            used.add(key)
        weight = _number(
            item.get("weight"), "items", _("Enter each weight as a whole number from 0 to 100.")
        )
        if weight != weight.to_integral_value() or not 0 <= weight <= 100:
            raise ServiceError(
                _("Enter each weight as a whole number from 0 to 100."), field="items"
            )
        target: float | None = None
        if source != ev.MANUAL and ev.INDICATORS[source].kind == ev.COUNT:
            number = _number(
                item.get("target") or 0,
                "items",
                _("“%(label)s”: enter the count that earns full marks (more than 0).")
                % {"label": label},
            )
            if not 0 < number <= MAX_TARGET:
                raise ServiceError(
                    _("“%(label)s”: enter the count that earns full marks (more than 0).")
                    % {"label": label},
                    field="items",
                )
            target = float(number)
        cleaned.append(
            {"key": key, "label": label, "weight": int(weight), "source": source, "target": target}
        )
    total = sum(i["weight"] for i in cleaned)
    if total != 100:
        raise ServiceError(
            _("The weights must add up to 100; now they add up to %(sum)s.") % {"sum": total},
            field="items",
            code="weights",
        )
    return cleaned


def check_grades(grades: list[list[Any]]) -> list[list[Any]]:
    """Grades from the best down, each with a lower lowest score than the one before; the last
    takes every total below the others."""
    if not grades:
        raise ServiceError(_("Add at least one grade."), field="grades")
    cleaned: list[list[Any]] = []
    for name, lowest in grades:
        name = str(name or "").strip()[:20]
        if not name:
            raise ServiceError(_("Give each grade a name."), field="grades")
        number = _number(
            lowest, "grades", _("Enter each grade's lowest score as a number from 0 to 100.")
        )
        if not 0 <= number <= 100:
            raise ServiceError(
                _("Enter each grade's lowest score as a number from 0 to 100."), field="grades"
            )
        if cleaned and number >= Decimal(str(cleaned[-1][1])):
            raise ServiceError(
                _("List the grades from the best down, each lower than the one above."),
                field="grades",
            )
        if any(name == g[0] for g in cleaned):
            raise ServiceError(_("Give each grade a different name."), field="grades")
        cleaned.append(
            [name, int(number) if number == number.to_integral_value() else float(number)]
        )
    return cleaned


def _refuse_closed(scheme: EvaluationScheme) -> None:
    if scheme.closed_at is not None:
        raise ServiceError(
            _("The results of this evaluation were sent; it can no longer be changed."),
            code="closed",
        )


def create_scheme(
    *,
    actor: Actor,
    area: Area,
    year: int,
    subject: str,
    items: list[dict[str, Any]] | None = None,
    grades: list[list[Any]] | None = None,
    token: uuid.UUID | None = None,
) -> EvaluationScheme:
    """A year's scheme for a community's (or a street's) units or members, with the default
    items and grades unless given."""
    if area.kind not in (*STREET_KINDS, AreaKind.COMMUNITY):
        raise ServiceError(_("Evaluate in a community or a street."), field="area")
    if subject not in Subject.values:
        raise ServiceError(_("Choose who is evaluated."), field="subject")
    if not 2000 <= year <= 2100:
        raise ServiceError(_("Enter a year from 2000 to 2100."), field="year")
    return create_object(
        actor=actor,
        model=EvaluationScheme,
        fields={
            "area": area,
            "year": year,
            "subject": subject,
            "items": check_items(
                subject, items if items is not None else ev.default_items(subject)
            ),
            "grades": check_grades(grades if grades is not None else ev.DEFAULT_GRADES),
        },
        token=token,
        unique_error=_("This area already has an evaluation of them for that year."),
    )


def update_scheme(
    *,
    actor: Actor,
    scheme: EvaluationScheme,
    items: list[dict[str, Any]],
    grades: list[list[Any]],
) -> EvaluationScheme:
    """Change the items and grades; the scores computed so far are worked out again. A manual
    item keeps its key (and so its scores) when it comes back with it; a removed item's scores
    are dropped."""
    with transaction.atomic():
        scheme = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
        _refuse_closed(scheme)
        taken = {i["key"] for i in scheme.items}
        for scores in scheme.results.values_list("scores", flat=True):
            taken.update(scores)
        keep = frozenset(i["key"] for i in scheme.items if i["source"] == ev.MANUAL)
        update_object(
            actor=actor,
            instance=scheme,
            fields={
                "items": check_items(scheme.subject, items, keep=keep, taken=frozenset(taken)),
                "grades": check_grades(grades),
            },
        )
        if scheme.results.exists():
            _compute(scheme)  # the scores of removed items are dropped, totals worked out again
    return scheme


def _compute(scheme: EvaluationScheme) -> int:
    people = ev.subjects(scheme)
    raw = ev.raw_values(scheme, people)
    field = "member" if scheme.subject == Subject.MEMBER else "partner"
    existing = {getattr(e, f"{field}_id"): e for e in scheme.results.all()}
    keys = {i["key"] for i in scheme.items}
    kept: list[int] = []
    for person in people:
        result = existing.get(person.pk) or Evaluation(scheme=scheme, **{field: person})
        scores = {k: v for k, v in result.scores.items() if k in keys}
        for item in scheme.items:
            if item["source"] != ev.MANUAL:
                value = raw.get(item["source"], {}).get(person.pk)
                scores[item["key"]] = str(ev.score_of(item, value))
        result.scores = scores
        result.total = ev.total_of(scheme.items, scores)
        result.grade = ev.grade_of(scheme.grades, result.total)
        result.save()
        kept.append(result.pk)
    # Those no longer registered (or bound by an agreement) drop out of an open scheme.
    scheme.results.exclude(pk__in=kept).delete()
    return len(kept)


def compute_scheme(*, actor: Actor, scheme: EvaluationScheme) -> int:
    """Work out every subject's computed scores, totals and grades; returns how many."""
    with transaction.atomic():
        scheme = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
        _refuse_closed(scheme)
        count = _compute(scheme)
        log_action(
            actor=actor, action="evaluationscheme.compute", obj=scheme, changes={"subjects": count}
        )
    return count


def score_evaluation(
    *, actor: Actor, evaluation: Evaluation, scores: dict[str, Any], comment: str = ""
) -> Evaluation:
    """Enter the manual items' scores (0–100) and a comment; the total and grade follow."""
    with transaction.atomic():
        scheme = EvaluationScheme.objects.select_for_update().get(pk=evaluation.scheme_id)
        _refuse_closed(scheme)
        evaluation = Evaluation.objects.get(pk=evaluation.pk)
        new = dict(evaluation.scores)
        for item in scheme.items:
            if item["source"] != ev.MANUAL or item["key"] not in scores:
                continue
            value = scores[item["key"]]
            if value in (None, ""):
                new.pop(item["key"], None)
                continue
            number = _number(value, item["key"], _("Enter a score from 0 to 100."))
            if not 0 <= number <= 100:
                raise ServiceError(_("Enter a score from 0 to 100."), field=item["key"])
            new[item["key"]] = str(number.quantize(ev.TWO))
        total = ev.total_of(scheme.items, new)
        update_object(
            actor=actor,
            instance=evaluation,
            fields={
                "scores": new,
                "total": total,
                "grade": ev.grade_of(scheme.grades, total),
                "comment": comment.strip()[:2000],
            },
        )
    return evaluation


def send_results(*, actor: Actor, scheme: EvaluationScheme) -> int:
    """Compute once more, close the scheme, and tell each unit's handlers (or each member)
    that their letter is ready. Returns how many results were sent."""
    with transaction.atomic():
        scheme = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
        _refuse_closed(scheme)
        count = _compute(scheme)
        if not count:
            raise ServiceError(_("There is nobody to evaluate in this area and year."))
        EvaluationScheme.objects.filter(pk=scheme.pk).update(closed_at=timezone.now())
        log_action(
            actor=actor, action="evaluationscheme.send", obj=scheme, changes={"results": count}
        )
        title = _("Your %(year)s co-building evaluation result") % {"year": scheme.year}
        for result in scheme.results.select_related("partner", "member__user"):
            url = reverse("cobuilding:evaluation_letter", args=[result.pk])
            if result.partner_id is not None:
                users = User.objects.filter(
                    memberships__role=Role.PARTNER, memberships__partner_id=result.partner_id
                ).distinct()
            else:
                users = [result.member.user] if result.member and result.member.user else []  # type: ignore[assignment]
            body = _("%(area)s: %(total)s points, %(grade)s.") % {
                "area": scheme.area.name,
                "total": result.total,
                "grade": result.grade,
            }
            notify(users=users, title=title, body=body, url=url)
    scheme.refresh_from_db()
    return count
