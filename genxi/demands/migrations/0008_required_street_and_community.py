import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0007_denormalised_street_and_community"),
        ("places", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="demand",
            name="street",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="street_demands",
                to="places.area",
                verbose_name="street",
            ),
        ),
        migrations.AlterField(
            model_name="demandevent",
            name="community",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.area",
            ),
        ),
        migrations.AlterField(
            model_name="callback",
            name="community",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.area",
            ),
        ),
        migrations.RemoveIndex(model_name="demandevent", name="demand_event_kind_at_idx"),
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                fields=["street", "-created_at", "-id"], name="demand_street_order_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="demandevent",
            index=models.Index(
                fields=["community", "kind", "at"], name="demand_event_figures_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(fields=["community", "at"], name="callback_figures_idx"),
        ),
    ]
