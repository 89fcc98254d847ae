from django.urls import path

from ketaclinic.charting import board_views, views

app_name = "charting"

urlpatterns = [
    path("", board_views.board, name="board"),
    path("board/body/", board_views.board_fragment, name="board_body"),
    path("arrivals/", board_views.arrivals, name="arrivals"),
    path("arrivals/body/", board_views.arrivals_fragment, name="arrivals_body"),
    path("check-in/<int:appointment_id>/", board_views.check_in, name="check_in"),
    path("rems/", views.rems_tracker, name="rems_tracker"),
    path("<int:session_id>/", views.session_page, name="session"),
    path("<int:session_id>/live/", views.session_live, name="live"),
    path("<int:session_id>/rems.pdf", views.rems_pdf, name="rems_pdf"),
]
