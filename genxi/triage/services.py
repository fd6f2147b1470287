"""Triage: suggest a new demand's category, its likely handler and the open demands it repeats.

Suggestions never change a demand by themselves: intake shows them and a person chooses (or a
community lets a confident category fill itself in). What was suggested and what was chosen is
kept (`Feedback`); the next training learns from the categories staff confirmed.
"""

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from genxi.core.audit import Actor, acting_user, log_action
from genxi.core.params import parse_id
from genxi.core.paths import path_range_q
from genxi.core.services import ServiceError
from genxi.demands.models import UNRESOLVED_STATUSES, Category, Demand, HandlingPath, Status
from genxi.places.models import Area, AreaKind, Partner
from genxi.triage.models import CommunitySettings, Feedback, Outcome, SuggestionKind, TriageModel

if TYPE_CHECKING:  # scikit-learn is imported when a classifier is first needed: ~65 MB less
    # in every process that never classifies (the task worker making PDFs, the commands).
    from genxi.triage.classifier import Classifier, KeywordClassifier

from genxi.triage.text import bigrams, dice, normalise, normalise_many

logger = logging.getLogger(__name__)

MIN_EXAMPLES = 30
DUPLICATE_DAYS = 90
NEARBY_METRES = 300

# ------------------------------------------------------------------ the category


_loaded: dict[str, Any] = {"version": None, "model": None}


def current_model() -> tuple[int | None, "Classifier | KeywordClassifier"]:
    """The newest trained classifier (kept loaded per process), else the categories' keywords."""
    from genxi.triage.classifier import Classifier

    latest = TriageModel.objects.values_list("version", "trained_at").order_by("-version").first()
    if latest is None:
        return None, keyword_classifier()
    version = latest[0]
    if _loaded["version"] != latest:  # (version, trained_at): a number alone may be reused
        blob = TriageModel.objects.values_list("blob", flat=True).get(version=version)
        try:
            model = Classifier.loads(bytes(blob))
        except Exception:  # e.g. saved by an older scikit-learn: intake must go on
            logger.exception("triage model v%s cannot be loaded; suggesting by keywords", version)
            return None, keyword_classifier()
        _loaded.update(version=latest, model=model)
    return version, _loaded["model"]


def keyword_classifier() -> "KeywordClassifier":
    """The categories in use, each suggested by the keywords staff keep on it."""
    from genxi.triage.classifier import KeywordClassifier

    return KeywordClassifier(
        {str(c.pk): c.keyword_list() for c in Category.objects.active().only("pk", "keywords")}
    )


@dataclass
class CategoryGuess:
    category: Category
    confidence: float

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def suggest_categories(
    title: str, description: str = "", k: int = 3
) -> tuple[int | None, list[CategoryGuess]]:
    """The k likeliest categories in use, best first, and the model version that said so."""
    if not normalise(title + description):
        return None, []
    version, model = current_model()
    scored = model.top(title, description, k=k + 3)  # room for categories retired since
    ids = [int(label) for label, _ in scored]
    active = Category.objects.active().in_bulk(ids)
    guesses = [CategoryGuess(active[int(label)], p) for label, p in scored if int(label) in active]
    return version, guesses[:k]


def record_category_outcome(*, actor: Actor, demand: Demand, shown: Any) -> Feedback | None:
    """Keep the category intake showed as its first suggestion beside the one chosen.

    `shown` is the submitted form: the suggestions carry what they showed (`triage_suggested`,
    `triage_confidence`, `triage_version`) and the page marks an automatic fill-in
    (`triage_auto`). Nothing shown, nothing kept; a retried submission keeps nothing twice.
    """
    suggested = parse_id(shown.get("triage_suggested", ""))
    if suggested is None or not Category.objects.filter(pk=suggested).exists():
        return None
    try:
        confidence = min(1.0, max(0.0, float(shown.get("triage_confidence", ""))))
    except ValueError:
        confidence = 0.0
    if not math.isfinite(confidence):
        confidence = 0.0
    if demand.category_id != suggested:
        outcome = Outcome.CORRECTED
    elif shown.get("triage_auto") == str(suggested):
        outcome = Outcome.AUTO
    else:
        outcome = Outcome.ACCEPTED
    return _keep(
        demand,
        actor=actor,
        kind=SuggestionKind.CATEGORY,
        suggested=str(suggested),
        confidence=confidence,
        chosen=str(demand.category_id),
        outcome=outcome,
        version=parse_id(shown.get("triage_version", "")),
    )


def _keep(
    demand: Demand,
    *,
    actor: Actor,
    kind: str,
    suggested: str,
    confidence: float,
    chosen: str,
    outcome: str,
    version: int | None = None,
) -> Feedback | None:
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                demand=demand,
                community=demand.community,
                kind=kind,
                suggested=suggested,
                confidence=confidence,
                chosen=chosen,
                outcome=outcome,
                model_version=version,
                actor=acting_user(actor),
            )
    except IntegrityError:  # kept already (a retry, or a second assignment after a send-back)
        return None


def community_settings(community: Area | None) -> CommunitySettings:
    if community is None:
        return CommunitySettings()
    found = CommunitySettings.objects.filter(community=community).first()
    return found or CommunitySettings(community=community)


def update_settings(
    *, actor: Actor, community: Area, auto_apply: bool, threshold: float
) -> CommunitySettings:
    if not 0.5 <= threshold <= 0.99:
        raise ServiceError(_("Choose a confidence between 0.5 and 0.99."), field="threshold")
    with transaction.atomic():
        found, _created = CommunitySettings.objects.select_for_update().get_or_create(
            community=community
        )
        changes: dict[str, list[Any]] = {}
        if found.auto_apply != auto_apply:
            changes["auto_apply"] = [found.auto_apply, auto_apply]
        if found.threshold != threshold:
            changes["threshold"] = [found.threshold, threshold]
        found.auto_apply, found.threshold = auto_apply, threshold
        found.save()
        log_action(actor=actor, action="triage.settings", obj=community, changes=changes)
    return found


# ------------------------------------------------------------------ training


def labelled_demands() -> models.QuerySet[Demand]:
    """Demands whose category a member of staff has confirmed, by accepting them."""
    return Demand.objects.filter(accepted_at__isnull=False, category__is_active=True).exclude(
        status=Status.MERGED
    )


def ensure_trainable(*, examples: int, categories: int) -> None:
    """Refuse to train on fewer than MIN_EXAMPLES accepted demands or a single category."""
    if examples < MIN_EXAMPLES or categories < 2:
        raise ServiceError(
            _(
                "Triage needs at least %(min)s accepted demands in two or more categories to "
                "learn from; there are %(n)s. Until then it suggests by the categories' keywords."
            )
            % {"min": MIN_EXAMPLES, "n": examples}
        )


def train(*, actor: Actor = None, folds: int = 3, limit: int = 50_000) -> TriageModel:
    """Learn the category classifier from the newest `limit` labelled demands.

    Cross-validates first (the figures shown beside the model), then fits on everything.
    """
    from genxi.triage.classifier import Classifier, cross_validate

    rows = list(
        labelled_demands()
        .order_by("-pk")
        .values_list("title", "description", "category_id")[:limit]
    )
    labels = [str(c) for _t, _d, c in rows]
    ensure_trainable(examples=len(rows), categories=len(set(labels)))
    titles = [t for t, _d, _c in rows]
    details = [d for _t, d, _c in rows]
    try:
        metrics = cross_validate(titles, details, labels, folds=folds).as_dict()
    except ValueError:  # no two categories with enough examples to hold out
        metrics = {}
    model = Classifier().fit(titles, details, labels)
    blob = model.dumps()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = TriageModel.objects.aggregate(v=Max("version"))["v"] or 0
                saved = TriageModel.objects.create(
                    version=latest + 1,
                    trained_by=acting_user(actor),
                    examples=len(rows),
                    categories=len(set(labels)),
                    labelled=labelled_demands().count(),
                    metrics=metrics,
                    blob=blob,
                )
                log_action(
                    actor=actor,
                    action="triage.train",
                    obj=saved,
                    changes={"examples": len(rows), "macro_f1": metrics.get("macro_f1")},
                )
                return saved
        except IntegrityError:  # another training took the same version number
            continue
    raise ServiceError(_("Another training is saving right now; try again in a minute."))


def retrain_due() -> bool:
    """True when enough demands were labelled since the newest model (or none exists yet)."""
    latest = TriageModel.objects.order_by("-version").values_list("labelled", flat=True).first()
    count = labelled_demands().count()
    if latest is None:
        return count >= MIN_EXAMPLES
    return count - latest >= settings.GENXI_TRIAGE_RETRAIN_EVERY


# ------------------------------------------------------------------ the handler


@dataclass
class HandlerGuess:
    partner: Partner | None  # None: the community handles such demands itself
    share: float
    count: int
    level: str  # compound, community or street: where the history came from

    @property
    def percent(self) -> int:
        return round(self.share * 100)


MIN_HISTORY = 3


def likely_handler(*, user: Any, category: Category, area: Area) -> HandlerGuess | None:
    """Who resolved demands of this category here before: the same compound first, then the
    community, then the street, taking the nearest with at least MIN_HISTORY resolved.

    Only demands the user may see are counted, and only a partner the user may see (and that is
    still active) is named: a community's staff learn nothing of the street's other communities.
    """
    resolved = Demand.objects.visible_to(user).filter(
        category=category,
        resolved_at__isnull=False,
        path__in=[HandlingPath.COMMUNITY, HandlingPath.PARTNER],
    )
    levels: list[tuple[str, models.Q]] = []
    compound = _compound(area)
    community = area.community()
    if compound is not None and community is not None:
        # The community's own column first: it leads an index, the compound's path does not.
        levels.append(
            (
                "compound",
                models.Q(community=community) & path_range_q("area__path", [compound.path]),
            )
        )
    if community is not None:
        levels.append(("community", models.Q(community=community)))
        levels.append(("street", models.Q(street_id=community.parent_id)))
    for level, where in levels:
        counts = list(
            resolved.filter(where)
            .values("path", "handler_partner")
            .annotate(n=Count("pk"))
            .order_by("-n", "handler_partner")
        )
        total = sum(row["n"] for row in counts)
        if total < MIN_HISTORY:
            continue
        named = Partner.objects.visible_to(user).filter(is_active=True)
        partners = named.in_bulk([r["handler_partner"] for r in counts if r["handler_partner"]])
        for row in counts:  # the most frequent handler the user can still assign
            if row["path"] == HandlingPath.COMMUNITY:
                return HandlerGuess(None, row["n"] / total, total, level)
            if row["handler_partner"] in partners:
                partner = partners[row["handler_partner"]]
                return HandlerGuess(partner, row["n"] / total, total, level)
        return None
    return None


def record_handler_outcome(*, actor: Actor, demand: Demand, guess: HandlerGuess | None) -> None:
    """Keep the handler triage suggested (shown on the assign form) beside the one chosen."""
    if guess is None:
        return
    suggested = str(guess.partner.pk) if guess.partner else HandlingPath.COMMUNITY
    if demand.path == HandlingPath.PARTNER:
        chosen = str(demand.handler_partner_id)
    elif demand.path == HandlingPath.COMMUNITY:
        chosen = HandlingPath.COMMUNITY
    else:
        chosen = str(demand.path)  # a meeting or a project: neither was suggested
    _keep(
        demand,
        actor=actor,
        kind=SuggestionKind.HANDLER,
        suggested=suggested,
        confidence=guess.share,
        chosen=chosen,
        outcome=Outcome.ACCEPTED if chosen == suggested else Outcome.CORRECTED,
    )


# ------------------------------------------------------------------ duplicates


@dataclass
class Duplicate:
    demand: Demand
    score: float
    place: str  # same building, same compound, or nearby

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _compound(area: Area) -> Area | None:
    node: Area | None = area
    while node is not None and node.kind not in (AreaKind.COMPOUND, AreaKind.COMMUNITY):
        node = node.parent
    return node if node is not None and node.kind == AreaKind.COMPOUND else None


def similar_open(
    *,
    user: Any,
    title: str,
    description: str = "",
    area: Area,
    latitude: float | None = None,
    longitude: float | None = None,
    limit: int = 5,
    today: Any = None,
) -> list[Duplicate]:
    """Open demands the user may see that probably report the same thing: recent, at the same
    compound or building (or within NEARBY_METRES of the point), with similar text."""
    words = bigrams(normalise(title))
    if not words:
        return []
    # With details typed, the whole new text is also held against each candidate's title (a
    # title is the summary staff or a pioneer wrote; candidates' own details are not read).
    everything = words | bigrams(normalise(description)) if description.strip() else None
    community = area.community()
    if community is None:
        return []
    place = _compound(area) or area
    where = path_range_q("area__path", [place.path])
    if (latitude is None or longitude is None) and None not in (area.latitude, area.longitude):
        latitude, longitude = float(area.latitude), float(area.longitude)  # type: ignore[arg-type]
    if latitude is not None and longitude is not None:
        dlat = NEARBY_METRES / 111_000
        dlng = dlat / max(math.cos(math.radians(latitude)), 0.1)
        where |= models.Q(
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlng, longitude + dlng),
        )
    since = (today or timezone.now()) - timedelta(days=DUPLICATE_DAYS)
    # Only demands a reporter can still be added to (add_reporter's own rule): a resolved one
    # awaits its call-back.
    joinable = UNRESOLVED_STATUSES
    rows = list(
        Demand.objects.visible_to(user)
        .filter(where, community=community, created_at__gte=since, status__in=joinable)
        .order_by("-created_at")
        .values_list("pk", "title", "area_id", "area__path")[:2000]
    )
    titles = normalise_many([r[1] for r in rows])
    scored: list[tuple[float, int, str]] = []
    for (pk, _title, area_id, area_path), normalised in zip(rows, titles, strict=True):
        theirs = bigrams(normalised)
        similarity = dice(words, theirs)
        if everything is not None:
            similarity = max(similarity, dice(everything, theirs))
        if area_id == area.pk:
            where_label, bonus = "building", 0.1
        elif area_path.startswith(place.path):
            where_label, bonus = "compound", 0.05
        else:
            where_label, bonus = "nearby", 0.0
        # The nearer the place, the less the text must match; some words must always be shared.
        score = similarity + bonus
        if score >= 0.3 and similarity >= 0.15:
            scored.append((min(1.0, score), pk, where_label))
    scored.sort(key=lambda s: (-s[0], -s[1]))
    top = scored[:limit]
    found = (
        Demand.objects.select_related("area")
        .only("code", "title", "status", "created_at", "area__name")
        .in_bulk([pk for _s, pk, _w in top])
    )
    return [Duplicate(found[pk], score, label) for score, pk, label in top if pk in found]
