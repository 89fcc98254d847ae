from django.urls import path

from ketaclinic.charting import views

app_name = "charting"

urlpatterns = [
    path("", views.board, name="board"),
    path("board/body/", views.board_fragment, name="board_body"),
    path("check-in/<int:appointment_id>/", views.check_in, name="check_in"),
    path("rems/", views.rems_tracker, name="rems_tracker"),
    path("<int:session_id>/", views.session_page, name="session"),
    path("<int:session_id>/live/", views.session_live, name="live"),
    path("<int:session_id>/rems.pdf", views.rems_pdf, name="rems_pdf"),
]
