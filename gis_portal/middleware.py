from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation
from django.utils.cache import patch_vary_headers

from basemaps.models import BasemapSource


class ThaiFirstLocaleMiddleware:
    """Thai unless the visitor chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to
    English would never see the Thai page that is the municipality's own voice. The choice
    lives in the language cookie that Django's set_language view writes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", code)
        return response


class ContentSecurityPolicyMiddleware:
    """Pages run only our own scripts (no inline script, no eval) and load nothing from
    other hosts except the basemap tile servers that municipalities chose: the promise that
    no page sends data to a third party, enforced by the browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Only documents run scripts; API answers, tiles and files need no policy (and
        # no query for the basemap hosts).
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response


def content_security_policy():
    images = " ".join(["'self'", "data:", "blob:", *tile_origins()])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        # Style attributes written by Leaflet and Django's admin; no script can run from them.
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


TILE_ORIGINS_KEY = "csp-tile-origins"


def tile_origins():
    """Scheme and host of every basemap source (a {s} subdomain becomes a wildcard),
    cached for a minute so that a page view costs no query."""
    origins = cache.get(TILE_ORIGINS_KEY)
    if origins is None:
        urls = list(BasemapSource.objects.values_list("url_template", flat=True)) + [settings.ADMIN_BASEMAP_URL]
        origins = sorted({
            f"{parts.scheme}://{parts.netloc}"
            for parts in (urlsplit(url.replace("{s}", "*")) for url in urls if url)
            if parts.scheme in ("http", "https") and parts.netloc
        })
        cache.set(TILE_ORIGINS_KEY, origins, 60)
    return origins


@receiver([post_save, post_delete], sender=BasemapSource)
def forget_tile_origins(**kwargs):
    cache.delete(TILE_ORIGINS_KEY)
