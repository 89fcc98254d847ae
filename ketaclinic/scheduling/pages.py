"""Small helpers shared by the scheduling pages and the schedule pages built on them
(`reminders.schedule_pages`): parsing what a page posts, nothing that reads or writes."""


def posted_id(value: str | None) -> int:
    """A posted row id as an int; anything not made of digits is 0, which matches no row, so a
    tampered form ends in the page's 404 rather than a 500."""
    return int(value) if value and value.isdigit() else 0
