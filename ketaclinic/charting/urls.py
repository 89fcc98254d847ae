from django.urls import path

from ketaclinic.charting.views import board, rems, session

app_name = "charting"

urlpatterns = [
    path("", board.board, name="board"),
    path("board/body/", board.board_fragment, name="board_body"),
    path("arrivals/", board.arrivals, name="arrivals"),
    path("arrivals/body/", board.arrivals_fragment, name="arrivals_body"),
    path("check-in/<int:appointment_id>/", board.check_in, name="check_in"),
    path("rems/", rems.rems_tracker, name="rems_tracker"),
    path("<int:session_id>/", session.session_page, name="session"),
    path("<int:session_id>/live/", session.session_live, name="live"),
    path("<int:session_id>/rems.pdf", rems.rems_pdf, name="rems_pdf"),
]
