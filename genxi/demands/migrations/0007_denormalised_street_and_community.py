"""Copy each demand's street onto it, and its community onto its events and call-backs.

Added nullable and filled here; 0008 makes them required (a separate transaction, since
PostgreSQL will not alter a table with the fill's deferred foreign-key checks pending).
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = [
    "UPDATE demands_demand SET street_id = "
    "(SELECT a.parent_id FROM places_area a WHERE a.id = demands_demand.community_id)",
    "UPDATE demands_demandevent SET community_id = "
    "(SELECT d.community_id FROM demands_demand d WHERE d.id = demands_demandevent.demand_id)",
    "UPDATE demands_callback SET community_id = "
    "(SELECT d.community_id FROM demands_demand d WHERE d.id = demands_callback.demand_id)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0006_ledger_and_event_indexes"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="street",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="street_demands",
                to="places.area",
                verbose_name="street",
            ),
        ),
        migrations.AddField(
            model_name="demandevent",
            name="community",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.area",
            ),
        ),
        migrations.AddField(
            model_name="callback",
            name="community",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.area",
            ),
        ),
        *[migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in FILL],
    ]
