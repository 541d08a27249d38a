import layers.models
from django.db import migrations, models


# PostgreSQL 15 cannot change a generated column's expression in place, and Django does
# not try: the columns are dropped and added again (PostgreSQL computes them for every
# stored feature while adding them).
def stored(name, expression):
    return migrations.AddField(
        model_name="feature",
        name=name,
        field=models.GeneratedField(db_persist=True, expression=expression("geom"), output_field=models.FloatField()),
    )


class Migration(migrations.Migration):
    dependencies = [("layers", "0010_layer_change_indexes")]

    operations = [
        migrations.RemoveField(model_name="feature", name="length_m"),
        migrations.RemoveField(model_name="feature", name="area_m2"),
        stored("length_m", layers.models.StoredLength),
        stored("area_m2", layers.models.StoredArea),
    ]
