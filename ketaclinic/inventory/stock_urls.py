"""Stock pages: products, locations, the ledger and its movements."""

from django.urls import path

from ketaclinic.inventory import stock_views

urlpatterns = [
    path("", stock_views.stock_home, name="home"),
    path("receive/", stock_views.stock_receive_view, name="receive"),
    path("containers/<int:container_id>/", stock_views.container_detail, name="container"),
    path("sessions/<int:appointment_id>/", stock_views.session_stock, name="session"),
    path("products/", stock_views.products_view, name="products"),
    path("locations/", stock_views.locations_view, name="locations"),
]
