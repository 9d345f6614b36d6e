"""Create the four roles (ministry staff, evaluator, consortium member, auditor) as Django groups."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from common.roles import sync_role_permissions

    sync_role_permissions(apps)


def remove_roles(apps, schema_editor):
    from common.roles import Role

    apps.get_model("auth", "Group").objects.filter(name__in=[role.value for role in Role]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("consortia", "0002_initial"),
        ("evaluations", "0001_initial"),
        ("budget", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
