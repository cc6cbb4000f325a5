"""The header set every response must carry (ZAP passive rules re-implemented)."""

from __future__ import annotations

from django.http import HttpResponse

REQUIRED = {
    "X-Content-Type-Options": "nosniff",  # ZAP 10021
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # ZAP 10020
    "Cross-Origin-Resource-Policy": "same-origin",
}
CSP_EVERYWHERE = (
    "default-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
)


def csp_directives(response: HttpResponse) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.strip().split(None, 1)
        if words:
            directives[words[0]] = words[1] if len(words) > 1 else ""
    return directives


def header_problems(response: HttpResponse, *, portal: bool) -> list[str]:
    """Everything wrong with a response's security headers, as readable sentences."""
    problems = [
        f"{name} is {response.get(name)!r}, expected {value!r}"
        for name, value in REQUIRED.items()
        if response.get(name) != value
    ]
    if "Permissions-Policy" not in response or "camera=()" not in response["Permissions-Policy"]:
        problems.append("Permissions-Policy is missing or allows the camera")
    if "no-store" not in response.get("Cache-Control", ""):  # ZAP 10015
        problems.append(f"Cache-Control is {response.get('Cache-Control')!r}, expected no-store")
    directives = csp_directives(response)  # ZAP 10038
    for rule in CSP_EVERYWHERE:
        name, value = rule.split(" ", 1)
        if directives.get(name) != value:
            problems.append(f"CSP {name} is {directives.get(name)!r}, expected {value!r}")
    script = directives.get("script-src", "")
    if portal and script != "'none'":
        problems.append(f"portal CSP script-src is {script!r}, expected 'none'")
    if not portal and ("'unsafe-inline'" in script or not script.startswith("'self'")):
        problems.append(f"staff CSP script-src is {script!r}")
    if "'unsafe-inline'" in directives.get("style-src", "'unsafe-inline'"):
        problems.append("CSP style-src allows inline styles or is missing")
    for morsel in response.cookies.values():
        if not morsel["httponly"]:  # ZAP 10010
            problems.append(f"cookie {morsel.key} is not HttpOnly")
        if morsel["samesite"].lower() != "strict":
            problems.append(f"cookie {morsel.key} is not SameSite=Strict")
    return problems
