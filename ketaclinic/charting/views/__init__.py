"""The charting staff pages, one module per page: `board` (the day board, the arrivals list and
check-in), `session` (the session page and its live panel), `steps` (the actions the session
page posts, one handler each) and `rems` (the REMS tracker and a monitoring form's PDF).
`charting/urls.py` names each view from its module."""
