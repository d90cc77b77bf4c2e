"""Error pages in the application's layout, with its navigation; JSON for API callers."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger("webapp")

# what each status tells a person, and what they can do next
MESSAGES = {
    400: ("Bad request", "The request could not be understood. Reload the page and try again."),
    403: ("Not allowed", "Your account does not have the role this page needs."),
    404: ("Not found", "There is no page at this address."),
    405: ("Method not allowed", "This address does not take that kind of request."),
    429: ("Too many attempts", "Too many failed attempts: wait before trying again."),
    500: ("Something went wrong", "The server failed to answer. The error was logged; try again later."),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or request.is_json or best == "application/json"


def _page(status: int, detail: str | None = None) -> ResponseReturnValue:
    title, message = MESSAGES.get(status, (f"Error {status}", ""))
    if status == 429:
        from .throttle import retry_after_seconds

        seconds = retry_after_seconds(current_app)
        if seconds is not None:
            message = f"Too many failed attempts: try again in {seconds} seconds."
    if _wants_json():
        return jsonify(error=detail or message), status
    try:
        return render_template("error.html", title=title, message=message, status=status), status
    except Exception:  # the navigation needs the user, hence the database
        log.exception("the error page could not be rendered with the navigation")
        return (
            render_template("error.html", title=title, message=message, status=status, plain_nav=True),
            status,
        )


def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    # CSRF and Flask-Security describe their 400s; the others are Werkzeug's generic text
    detail = error.description if status == 400 else None
    if status not in MESSAGES:
        return error
    if status == 400 and detail:
        title, _ = MESSAGES[400]
        if _wants_json():
            return jsonify(error=detail), 400
        return render_template("error.html", title=title, message=detail, status=400), 400
    return _page(status, detail)


def init_app(app: Flask) -> None:
    """Register the handler: every HTTP error, an unhandled exception's 500 included (Flask hands it
    over as an InternalServerError)."""
    app.register_error_handler(HTTPException, _http_error)
