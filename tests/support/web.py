"""Reading the hub's answers: page text, pages compared without their CSRF tokens, and
hanging up on a live server so that its database can be dropped."""

from __future__ import annotations

import re
import threading

from django.http.response import HttpResponseBase


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def without_tokens(response: HttpResponseBase) -> str:
    """The page without its CSRF tokens, which differ from one answer to the next."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body(response))


def hang_up_on_live_server() -> None:
    """Close the client's kept-alive connections and wait for the server to finish them.

    A server thread holds its database connection for as long as the client keeps the
    socket open, which would keep the test database from being dropped.
    """
    from huggingface_hub import close_session

    close_session()
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)
