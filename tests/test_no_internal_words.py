"""No page shows the software's internal words (issue 16, item 4): a new user saw "Today:
CSSRS_SCREENER, PHQ9", "(phq9, total 7)", "iv-ketamine-depression@1", "action: prn", "4E+3 mg"
and "CLINICAL.md §9.3" — instrument codes, a protocol key, a stored value, a Decimal in exponent
form and a file clinic staff do not have. Every staff role, and the demo patient on the portal,
opens the pages they can reach in the demo (the navigation's, a patient's chart and every page it
links to, a course, a session before its start, one under way and one discharged, the dashboard,
REMS, stock, the questionnaire pages, the portal home), and the text on screen is searched.

The demo is built once for the module (setUpTestData, rolled back afterwards) at a fixed moment, by
its command as `ketaclinic demo` builds it.
"""

from __future__ import annotations

import datetime
import io
import re
from html.parser import HTMLParser
from typing import ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.db.models import QuerySet
from django.test import Client, TestCase
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.people import DEMO_PATIENT_EMAIL, DEMO_STAFF
from ketaclinic.medicine.protocols import STANDARD_PROTOCOLS
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.patients.models import Patient

NOW = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=ZoneInfo("America/Denver"))

# Words a clinician never wrote. An instrument's code is shown neither as stored ("phq9") nor in
# capitals ("PHQ9"); a code whose capitals are its display name ("AUDIT", "CADSS (23 items)") is
# fine so written, and "audit" is also an English word.
_CODES = {code for code in INSTRUMENTS if code != "audit"} | {
    code.upper()
    for code, instrument in INSTRUMENTS.items()
    if not re.search(rf"\b{re.escape(code.upper())}\b", instrument.name)
}
_CODES |= {protocol.code for protocol in STANDARD_PROTOCOLS}
INTERNAL_WORDS = {
    "a file staff do not have": re.compile(r"CLINICAL\.md"),
    "a code": re.compile(
        r"(?<![\w/-])(?:"
        + "|".join(map(re.escape, sorted(_CODES, key=len, reverse=True)))
        + r")(?![\w@-])"
    ),
    "a versioned key": re.compile(r"\b[a-z][\w-]*@\d+\b"),
    "a field name": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+:"),
    "a number in exponent form": re.compile(r"\b\d(?:\.\d+)?E[+-]?\d+\b"),
    # A stored value: a snake_case code ("not_given") or a code a clinician writes in capitals.
    "a stored code": re.compile(r"(?<![\w@./-])(?:[a-z]+(?:_[a-z0-9]+)+|prn)(?![\w@/-])"),
    # A stored key and value in a list ("Nausea (mild), action: prn").
    "a stored value": re.compile(
        r"(?:^|(?<=[,;] )|(?<=\())[a-z][a-z0-9_]*: [a-z][a-z0-9_]*(?=$|[,;.)]| —)"
    ),
}
# A form's field name before Django's own message ("note: This field is required."). A drug's
# generic name before its instruction ("lorazepam: hold before the infusion") is the clinic's word.
FIELD_NAME_FIRST = re.compile(r"^[a-z][a-z0-9_]*: (?:This field|Enter a|Ensure this|Select a)")

CHART = re.compile(r"/staff/patients/\d+/")
NOT_PAGES = (".csv", ".pdf", ".ics", ".json", "/logout/", "/live/", "/body/")


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attribute values, scripts, styles or templates."""

    HIDDEN = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            self.links.extend(value for name, value in attrs if name == "href" and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.lines.append(" ".join(data.split()))


def _read(html: str) -> _VisibleText:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser


def internal_words(lines: list[str]) -> list[str]:
    """Each internal word on the page, with the line it is in."""
    found: list[str] = []
    for line in lines:
        for kind, pattern in INTERNAL_WORDS.items():
            found.extend(f"{kind} {m.group(0)!r} in {line!r}" for m in pattern.finditer(line))
        if FIELD_NAME_FIRST.match(line):
            found.append(f"a field name in {line!r}")
    return found


def _is_page(href: str) -> bool:
    parts = urlsplit(href)
    return (
        not parts.scheme
        and parts.path.startswith(("/staff/", "/portal/"))
        and not parts.path.endswith(NOT_PAGES)
        and not any(part in parts.path for part in NOT_PAGES)
    )


BEFORE_THE_START = (SessionStatus.ARRIVED, SessionStatus.READY)
UNDER_WAY = (SessionStatus.INFUSING, SessionStatus.RECOVERY)


def _first(sessions: QuerySet[TreatmentSession]) -> TreatmentSession:
    session = sessions.first()
    assert session is not None, "the demo has no such session"
    return session


class NoInternalWordsOnAnyPage(TestCase):
    _clock: ClassVar[time_machine.travel]
    patient: ClassVar[Patient]
    course: ClassVar[TreatmentCourse]
    arrived: ClassVar[TreatmentSession]
    in_progress: ClassVar[TreatmentSession]
    discharged: ClassVar[TreatmentSession]

    @classmethod
    def setUpClass(cls) -> None:
        cls._clock = time_machine.travel(NOW, tick=False)
        cls._clock.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._clock.stop()

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", stdout=io.StringIO())  # the demo as `ketaclinic demo` builds it
        cls.patient = Patient.objects.get(portal_user__email=DEMO_PATIENT_EMAIL)
        sessions = TreatmentSession.objects.filter(clinic=cls.patient.clinic).order_by("pk")
        cls.arrived = _first(sessions.filter(status__in=BEFORE_THE_START))
        cls.in_progress = _first(sessions.filter(status__in=UNDER_WAY))
        # A discharged session with a side effect charted, so its timeline has one to show.
        cls.discharged = _first(
            sessions.filter(status=SessionStatus.DISCHARGED, side_effects__isnull=False)
        )
        cls.course = cls.discharged.course

    def _pages_for_staff(self) -> list[str]:
        return [
            reverse("home"),
            reverse("patients:detail", args=[self.patient.pk]),
            reverse("patients:detail", args=[self.in_progress.patient_id]),
            reverse("courses:detail", args=[self.course.pk]),
            reverse("charting:session", args=[self.arrived.pk]),
            reverse("charting:session", args=[self.in_progress.pk]),
            reverse("charting:session", args=[self.discharged.pk]),
            reverse("charting:rems_tracker"),
            reverse("analytics:dashboard"),
            reverse("inventory:home"),
            reverse("outcomes:wording"),
            reverse("outcomes:task_list"),
            reverse("care:patient", args=[self.patient.pk]),
            reverse("measures:list"),
            reverse("measures:patient", args=[self.patient.pk]),
        ]

    def assert_no_internal_words(self, client: Client, start: list[str]) -> None:
        """Opens the start pages, the links of the first (the navigation) and of each chart, and
        collects every internal word on the pages the user may open."""
        seen: set[str] = set()
        queue = list(start)
        found: list[str] = []
        opened = 0
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue  # not this role's page, or not a page
            opened += 1
            page = _read(response.content.decode())
            found.extend(f"{url}: {word}" for word in internal_words(page.lines))
            if url == start[0] or (url in start and CHART.fullmatch(url)):
                queue.extend(h.split("#")[0] for h in page.links if _is_page(h))
        assert opened > 1, "no page opened"
        assert not found, "\n".join(found)

    def _staff_client(self, email: str) -> Client:
        client = Client()
        user = User.objects.get(email=email)
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    def test_no_staff_role_sees_internal_words(self) -> None:
        one_per_role = {staff.role: staff.email for staff in DEMO_STAFF}
        for role, email in one_per_role.items():
            with self.subTest(role=role):
                self.assert_no_internal_words(self._staff_client(email), self._pages_for_staff())

    def test_the_portal_patient_sees_no_internal_words(self) -> None:
        client = Client()
        client.force_login(
            self.patient.portal_user,
            backend="allauth.account.auth_backends.AuthenticationBackend",
        )
        self.assert_no_internal_words(client, [reverse("portal:home")])


class InternalWordsAreFound(TestCase):
    """The search itself: what it flags, and the display words it lets through."""

    def test_flags_what_the_new_user_saw(self) -> None:
        seen = (
            "Today: CSSRS_SCREENER, PHQ9",
            "(phq9, total 7)",
            "iv-ketamine-depression@1",
            "4E+3 mg",
            "CLINICAL.md §9.3",
            "note: This field is required.",
            "dose_mg: 4",
            "09:10 Nausea (mild), action: none — settled",
            "Nausea (moderate), action prn, resolved 09:43.",
            "Status: not_given",
        )
        for line in seen:
            assert internal_words(_read(f"<li>{line}</li>").lines), line

    def test_lets_display_words_and_markup_through(self) -> None:
        page = _read(
            '<p title="phq9" data-code="iv-ketamine-depression@1">PHQ-9 and C-SSRS, AUDIT, '
            "MADRS: 4000 mg on 2026-12-02</p><script>const code = 'phq9';</script>"
            "<style>.phq9{}</style><p>Audit log; the audit trail. Write to hello@clinic.example</p>"
            "<li>lorazepam: unless your clinician has told you otherwise, hold it.</li>"
            "<li>Response to ondansetron: nausea settled</li><li>Nausea (mild), PRN given</li>"
        )
        assert internal_words(page.lines) == []
