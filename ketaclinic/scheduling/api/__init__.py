"""Scheduling's REST endpoints (issue 5): a clinic's day, a patient's appointments, booking,
moving, cancelling, marking missed, free chair time (`views`), and proposing and booking a
course's series of treatments (`views_series`, at the course's URLs: booking is scheduling's).

Times in: the clinic's wall clock, `day` (YYYY-MM-DD) and `time` (HH:MM), turned into an instant by
`scheduling.services.local_moment`, which refuses a time the clocks skip. Times out: instants as
ISO 8601 with the clinic's UTC offset, times of day (opening hours) as `HH:MM:SS`. So a 09:00
booking reads 09:00 on either side of a clock change.
Every rule that refuses a booking is the scheduling service's; these views parse and render.
"""
