from django.urls import path

from ketaclinic.outcomes import views, wording_views

app_name = "outcomes"
urlpatterns = [
    path(
        "patients/<int:patient_id>/enter/<str:instrument_code>/",
        views.questionnaire_enter,
        name="enter",
    ),
    path("patients/<int:patient_id>/link/", views.questionnaire_link_create, name="link_create"),
    path("wording/", wording_views.wording_list, name="wording"),
    path(
        "wording/<str:instrument_code>/blank.csv",
        wording_views.wording_template,
        name="wording_template",
    ),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:task_id>/acknowledge/", views.task_acknowledge, name="task_acknowledge"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
]
