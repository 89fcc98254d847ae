"""The one error shape, for every kind of failure DRF or Django can raise in an endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from ketaclinic.api.errors import api_exception_handler
from ketaclinic.api.permissions import NOT_STAFF, api_clinic
from ketaclinic.core.errors import Conflict, NoActiveClinic

CONTEXT: dict[str, Any] = {"request": None, "view": None}


def handled(exc: Exception) -> tuple[int, dict[str, Any]]:
    response = api_exception_handler(exc, CONTEXT)
    assert response is not None
    return response.status_code, response.data


def test_a_django_404_becomes_not_found() -> None:
    status, body = handled(Http404("No Patient matches the given query."))
    assert status == 404
    assert body["error"] == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_a_django_permission_denied_becomes_a_403() -> None:
    status, body = handled(PermissionDenied())
    assert status == 403
    assert body["error"]["code"] == "permission_denied"


def test_a_domain_error_keeps_its_code_status_and_message() -> None:
    status, body = handled(Conflict("The token “EHR” was already revoked."))
    assert status == 409
    assert body["error"]["code"] == "conflict"
    assert body["error"]["message"] == "The token “EHR” was already revoked."


def test_field_errors_are_listed_per_field() -> None:
    status, body = handled(
        exceptions.ValidationError({"status": "Not a choice.", "note": ["Long"]})
    )
    assert status == 400
    assert body["error"]["message"] == "Some fields are not valid."
    assert body["error"]["fields"] == {"status": ["Not a choice."], "note": ["Long"]}


def test_errors_about_the_whole_input_become_the_message() -> None:
    _, body = handled(exceptions.ValidationError({"non_field_errors": ["Expected an object."]}))
    assert body["error"]["message"] == "Expected an object."
    assert body["error"]["fields"] == {}
    _, body = handled(exceptions.ValidationError(["Give a status or a note."]))
    assert body["error"]["message"] == "Give a status or a note."
    assert body["error"]["fields"] == {}


def test_an_unexpected_exception_is_left_to_django() -> None:
    assert api_exception_handler(ValueError("bug"), CONTEXT) is None


def test_a_call_without_an_acting_clinic_is_refused() -> None:
    request = Request(APIRequestFactory().get("/api/v1/patients"))
    with pytest.raises(NoActiveClinic, match=NOT_STAFF):
        api_clinic(request)


def test_nested_field_errors_are_named_by_their_path() -> None:
    # A ListField reports its rows under int keys, a nested list serializer as a list.
    detail: Any = {
        "trials": {1: {"outcome": ["Not a choice."], "drug": ["Required."]}},
        "medications": [{}, {"name": ["Blank."]}],
        "diagnoses": {0: ["Too long."]},
        "answers": {"phq9.1": ["Not a number."]},
    }
    _, body = handled(exceptions.ValidationError(detail))
    assert body["error"]["fields"] == {
        "trials[1].outcome": ["Not a choice."],
        "trials[1].drug": ["Required."],
        "medications[1].name": ["Blank."],
        "diagnoses[0]": ["Too long."],
        "answers.phq9.1": ["Not a number."],
    }
