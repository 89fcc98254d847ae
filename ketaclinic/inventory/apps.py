from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "ketaclinic.inventory"
    label = "inventory"
    verbose_name = "Controlled-substance inventory"
    default_auto_field = "django.db.models.BigAutoField"
