"""What a request can do wrong, each with its HTTP status: the server answers these
with the status and one line of text, never a traceback."""
from __future__ import annotations

from graph.errors import CisfilmError


class HttpError(CisfilmError):
    status = 500


class BadRequest(HttpError):
    status = 400


class Forbidden(HttpError):
    status = 403


class NotFound(HttpError):
    status = 404


class MethodNotAllowed(HttpError):
    status = 405


class NotAcceptable(HttpError):
    status = 406


class TooLarge(HttpError):
    status = 413


class UriTooLong(HttpError):
    status = 414


class UnsupportedMedia(HttpError):
    status = 415


class Busy(HttpError):
    """Too many requests or queries at once; the client may retry."""

    status = 503


class QueryTimeout(HttpError):
    status = 503
