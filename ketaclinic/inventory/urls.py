from django.urls import include, path

app_name = "inventory"
urlpatterns = [
    path("", include("ketaclinic.inventory.stock_urls")),
    path("counts/", include("ketaclinic.inventory.count_urls")),
]
