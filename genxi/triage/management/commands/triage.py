"""`genxi triage train | retrain | eval`: the category classifier from the command line."""

import csv
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from genxi.core.services import ServiceError
from genxi.triage import services
from genxi.triage.classifier import cross_validate


class Command(BaseCommand):
    help = "Train, retrain when due, or evaluate triage's category classifier."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("train", help="train a new version from the accepted demands now")
        sub.add_parser(
            "retrain",
            help="train only when enough demands were accepted since the last version "
            "(GENXI_TRIAGE_RETRAIN_EVERY); for a periodic scheduler",
        )
        evaluate = sub.add_parser(
            "eval", help="stratified K-fold cross-validation on a labelled CSV file"
        )
        evaluate.add_argument("--csv", required=True, type=Path, help="UTF-8 CSV with a header")
        evaluate.add_argument(
            "--text-col",
            required=True,
            help="the text column, or two separated by a comma: title, then details",
        )
        evaluate.add_argument("--label-col", required=True)
        evaluate.add_argument("--folds", type=int, default=5)
        evaluate.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "eval":
            self._eval(options)
            return
        if action == "retrain" and not services.retrain_due():
            self.stdout.write("not due: too few demands accepted since the last training")
            return
        try:
            model = services.train()
        except ServiceError as error:
            raise CommandError(error.message) from error
        f1 = model.macro_f1
        figure = f", cross-validated macro-F1 {f1:.3f}" if f1 is not None else ""
        self.stdout.write(f"trained v{model.version} on {model.examples} demands{figure}")

    def _eval(self, options: dict[str, Any]) -> None:
        path: Path = options["csv"]
        columns = [c.strip() for c in options["text_col"].split(",") if c.strip()]
        if not 1 <= len(columns) <= 2:
            raise CommandError("--text-col takes one column, or two (title,details)")
        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
        except FileNotFoundError as error:
            raise CommandError(f"{path}: no such file") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not UTF-8 text") from error
        if not rows:
            raise CommandError(f"{path}: no rows")
        missing = [c for c in [*columns, options["label_col"]] if c not in rows[0]]
        if missing:
            raise CommandError(
                f"{path}: no column {', '.join(missing)}; it has {', '.join(rows[0])}"
            )
        rows = [r for r in rows if (r[options["label_col"]] or "").strip()]
        titles = [r[columns[0]] or "" for r in rows]
        details = [(r[columns[1]] or "") if len(columns) == 2 else "" for r in rows]
        labels = [r[options["label_col"]].strip() for r in rows]
        started = time.perf_counter()
        try:
            report = cross_validate(
                titles, details, labels, folds=options["folds"], seed=options["seed"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{len(rows)} rows, {len(set(labels))} classes, {options['folds']} folds "
            f"(seed {options['seed']}), {time.perf_counter() - started:.1f} s",
        )
        for line in report.lines():
            self.stdout.write(line)
        sys.stdout.flush()
