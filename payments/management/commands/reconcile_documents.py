"""manage.py reconcile_documents [--dry-run]: promise again every document a case should have and lacks.

Part of every restore (docs/operations.md): submitted applications without the receipt of their
current submission, closed jury sessions without their documents, approved grants without their
notice, confirmed rejections, amendments and recoveries without theirs. Safe to run any time:
work already on its way is left to the outbox sweeper. Exits 1 when anything was missing.
"""

import json

from django.core.management.base import BaseCommand

from payments.services.reconcile import reconcile


class Command(BaseCommand):
    help = "Findet Fälle ohne das Dokument, das sie haben müssten, und beauftragt es erneut."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="nur auflisten, nichts beauftragen")
        parser.add_argument("--json", action="store_true", help="Bericht als JSON")

    def handle(self, *args, dry_run=False, json=False, **options):  # noqa: A002
        report = reconcile(dry_run=dry_run)
        missing = sum(counts["missing"] for counts in report.values())
        if json:
            self.stdout.write(_json(report))
        else:
            for name, counts in report.items():
                self.stdout.write(f"{name}: {counts['missing']} fehlen"
                                  + ("" if dry_run else f" (neu beauftragt {counts['created']}, erneut "
                                                        f"{counts['reset']}, bereits unterwegs {counts['pending']})"))
            self.stdout.write(f"Zusammen {missing} fehlende Dokumente" + (" (nur aufgelistet)" if dry_run else ""))
        if missing:
            raise SystemExit(1)


def _json(report) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
