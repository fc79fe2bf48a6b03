"""The staff review page (`python -m bot.staff`, started by `make run` on STAFF_PORT, 8081):
escalations by day, channel and language; the questions the assistant could not answer,
grouped by theme, with a status staff set; the conversation around each; CSV exports.

accounts.py   staff accounts (argon2id hashes), created with `python -m bot staff add`
sessions.py   signed-in browsers, expiry, CSRF tokens, refusing repeated wrong passwords
access_log.py the trace of every view, export and change
review.py     what the pages show, read from the app database within the retention period
conversation.py the turns around a question, read from the tracker store
export.py     the CSV of a view
server.py     HTTP: routes, login, headers; templates/ and static/ hold the HTML and CSS
"""
