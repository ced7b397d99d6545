"""One error shape everywhere: {"error": "<sentence>"} with the HTTP status."""
import sqlite3

from flask import jsonify
from werkzeug.exceptions import HTTPException, SecurityError


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message):
    return ApiError(400, message)


def not_found(message):
    return ApiError(404, message)


def unprocessable(message):
    return ApiError(422, message)


# Our own sentences for the errors Werkzeug raises, so that no framework text
# (or anything from the request) is echoed back.
HTTP_MESSAGES = {
    400: "The request is malformed.",
    403: "This request is not allowed.",
    404: "There is nothing at this URL.",
    405: "This method is not allowed on this URL.",
    413: "The request body is too large.",
    415: "The request body must be JSON (Content-Type: application/json).",
}


def error_response(status, message):
    response = jsonify(error=message)
    response.status_code = status
    return response


def init_app(app):
    @app.errorhandler(ApiError)
    def api_error(error):
        return error_response(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, "The request could not be served.")
        if isinstance(error, SecurityError):
            message = "This host name is not served here."
        response = error_response(status, message)
        if status == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(sqlite3.OperationalError)
    def database_error(error):
        # Another writer held the lock past the busy timeout: a moment's
        # wait, not a fault, so the client is told to retry.
        if "locked" in str(error) or "busy" in str(error):
            response = error_response(503, "The database is busy; retry in a moment.")
            response.headers["Retry-After"] = "1"
            return response
        return unexpected_error(error)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        if isinstance(error, sqlite3.Error):
            from lib.db import mark_broken  # lib.db raises our errors: imported here, not above
            mark_broken()
        return error_response(500, "Internal server error.")
