"""What keeps another web site from turning the page against the learner who opened it.

- **Only the hosts it serves.** A site the learner visits could point its own
  name at 127.0.0.1 (DNS rebinding) and then read the page, which shows
  the schema and the first rows of every table. The browser still sends
  that site's name in the Host header, so the app answers 400 to any host
  but loopback names (localhost, 127.0.0.1, [::1], on any port) and those
  listed in SCHEMA_PAGE_HOSTS (FLASK_SCHEMA_PAGE_HOSTS="pc.local,[::2]").
  Flask's own TRUSTED_HOSTS would do, but Werkzeug 3.1 cannot match [::1].
- **Headers on every response**, static files and error pages included:
  a Content-Security-Policy that allows nothing but the page's own
  stylesheet and icon and no framing, nosniff, and no Referer.

Both are app-wide hooks, so they cover the lesson app's every route.
"""
from flask import abort, current_app, request

from extras.core.settings import host_names

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")

# The page loads nothing but its own stylesheet and icon: it works offline,
# and an injected <script> could not run even if escaping ever failed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",
}


def init_app(blueprint):
    blueprint.before_app_request(refuse_other_hosts)
    blueprint.after_app_request(add_security_headers)


def served_hosts(config):
    """Loopback names, then those in SCHEMA_PAGE_HOSTS (a list, or names split by commas)."""
    return {*LOOPBACK_HOSTS, *host_names(config.get("SCHEMA_PAGE_HOSTS"))}


def host_name(host):
    """`request.host` without its port: "[::1]:5555" gives "[::1]", "LocalHost:80" "localhost"."""
    if host.startswith("["):
        return host[: host.find("]") + 1].lower()
    return host.partition(":")[0].lower()


def refuse_other_hosts():
    if host_name(request.host) not in served_hosts(current_app.config):
        abort(400, description=(
            "This app answers only for localhost, 127.0.0.1 and [::1]. To open it under another "
            "name, add that name to FLASK_SCHEMA_PAGE_HOSTS (names separated by commas)."
        ))


def add_security_headers(response):
    response.headers.update(SECURITY_HEADERS)
    return response
