"""Courses' REST endpoints (issue 5): a course's dose orders, read and signed; and the shapes of a
course that every course endpoint answers with.

The endpoints that show a course with where it stands against its review points (a patient's
courses, one course, its moves between states) read scheduling and outcomes, so they live on the
floor above both (`ketaclinic.outcomes.api_courses`); those that propose or book its series of
visits are scheduling's (`ketaclinic.scheduling.api`).
"""
