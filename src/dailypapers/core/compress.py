"""gzip for responses made here, at a level that costs a third of Django's.

Django's ``GZipMiddleware`` compresses at level 6: a day's list page (150 kB of HTML)
took 1.3 ms of CPU, a day of the JSON API (330 kB) 6 ms, for every response, cached
pages included (the page cache keeps bodies uncompressed: each carries the visitor's
own CSRF token). Level 3 takes 0.5 and 2.2 ms for bodies 15% larger than level 6's
(about 20 kB for a day's page). Everything else is Django's: streaming responses
are left to it, and compressed bodies get the same random padding against BREACH
(docs/hf-compatibility.md), the same ``Vary`` and the same weakened ``ETag``.
"""

from __future__ import annotations

import gzip
import secrets

from django.http import HttpRequest, HttpResponseBase
from django.middleware import gzip as django_gzip
from django.utils.cache import patch_vary_headers

LEVEL = 3


def compress(body: bytes, max_random_bytes: int) -> bytes:
    """``body`` gzipped, with up to ``max_random_bytes`` of padding as a file name (what
    ``django.utils.text.compress_string`` does, at ``LEVEL``)."""
    packed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
    header = bytearray(packed[:10])
    header[3] = gzip.FNAME
    name = b"a" * secrets.randbelow(max_random_bytes) + b"\x00"
    return bytes(header) + name + packed[10:]


class GZipMiddleware(django_gzip.GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.streaming or response.has_header("Content-Encoding"):
            return super().process_response(request, response)
        content: bytes = response.content  # type: ignore[attr-defined]
        if len(content) < 200:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not django_gzip.re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        packed = compress(content, self.max_random_bytes)
        if len(packed) >= len(content):
            return response
        response.content = packed  # type: ignore[attr-defined]
        response.headers["Content-Length"] = str(len(packed))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response
