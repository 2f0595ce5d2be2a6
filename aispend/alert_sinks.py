"""Where budget alerts go: a Slack incoming webhook, a generic JSON webhook, email over SMTP, or
a local JSON-lines file.

Secrets (webhook URLs, header values, SMTP passwords) come from environment variables, travel
only over TLS, and are never shown: every error names the sink and a redacted cause. Whatever
goes wrong with one sink is a ``SinkError`` for that sink alone, so the others still deliver.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aispend.redact import redact, redact_url
from aispend.sink_config import AlertSink, EmailSink, FileSink, SlackSink, WebhookSink

TIMEOUT_SECONDS = 10


class SinkError(Exception):
    """An alert could not be delivered; it stays pending and is retried on the next check."""


def send(name: str, sink: AlertSink, message: dict[str, Any], base_dir: Path) -> None:
    """Deliver ``message``; any failure (a bad URL, bad headers JSON, an unreachable server)
    is raised as a SinkError naming the sink, with secrets masked."""
    secrets: list[str] = []
    try:
        _send(name, sink, message, base_dir, secrets)
    except SinkError as exc:
        raise SinkError(redact(str(exc), secrets)) from None
    except Exception as exc:  # noqa: BLE001 - one sink's failure, whatever it is, is its own
        detail = redact(f"{type(exc).__name__}: {exc}", secrets)
        raise SinkError(f"alert sink {name!r}: {detail}") from None


def _send(
    name: str, sink: AlertSink, message: dict[str, Any], base_dir: Path, secrets: list[str]
) -> None:
    if isinstance(sink, SlackSink):
        url = _env(name, sink.webhook_url_env, secrets)
        _post(name, url, {"text": message["text"]}, where=f"${sink.webhook_url_env}")
    elif isinstance(sink, WebhookSink):
        if sink.url is not None:
            url, where = sink.url, redact_url(sink.url)
        else:
            url, where = _env(name, sink.url_env or "", secrets), f"${sink.url_env}"
        headers = _headers(name, sink, secrets)
        _post(name, url, message, where=where, headers=headers)
    elif isinstance(sink, EmailSink):
        _email(name, sink, message, secrets)
    elif isinstance(sink, FileSink):
        path = Path(sink.path) if Path(sink.path).is_absolute() else base_dir / sink.path
        try:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(message, default=str) + "\n")
        except OSError as exc:
            raise SinkError(f"alert sink {name!r}: cannot append to {path}: {exc}") from exc


def _env(name: str, variable: str, secrets: list[str]) -> str:
    value = os.environ.get(variable)
    if not value:
        raise SinkError(f"alert sink {name!r}: environment variable {variable} is not set")
    secrets.append(value)
    return value


def _headers(name: str, sink: WebhookSink, secrets: list[str]) -> dict[str, str]:
    if not sink.headers_env:
        return {}
    try:
        headers = json.loads(_env(name, sink.headers_env, secrets))
    except json.JSONDecodeError:
        raise SinkError(
            f"alert sink {name!r}: ${sink.headers_env} is not a JSON object of headers"
        ) from None
    if not isinstance(headers, dict):
        raise SinkError(f"alert sink {name!r}: ${sink.headers_env} is not a JSON object")
    secrets.extend(str(v) for v in headers.values())
    return {str(k): str(v) for k, v in headers.items()}


def _post(
    name: str, url: str, body: dict[str, Any], *, where: str, headers: dict[str, str] | None = None
) -> None:
    if not url.lower().startswith(("https://", "http://")):
        raise SinkError(f"alert sink {name!r}: {where} is not an http(s) URL")
    request = urllib.request.Request(
        url,
        data=json.dumps(body, default=str).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    # urllib verifies HTTPS certificates against the system's CAs by default.
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            if response.status >= 300:
                raise SinkError(f"alert sink {name!r}: {where} answered HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise SinkError(f"alert sink {name!r}: {where} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SinkError(f"alert sink {name!r}: cannot reach {where}: {reason}") from exc


def _email(name: str, sink: EmailSink, message: dict[str, Any], secrets: list[str]) -> None:
    if sink.username_env and not (sink.starttls or sink.ssl or sink.insecure):
        raise SinkError(
            f"alert sink {name!r}: refusing to send SMTP credentials without TLS "
            "(set starttls: true or ssl: true; insecure: true only for a local relay)"
        )
    mail = EmailMessage()
    mail["Subject"] = message["subject"]
    mail["From"] = sink.from_
    mail["To"] = ", ".join(sink.to)
    mail.set_content(message["text"] + "\n\n" + json.dumps(message, indent=2, default=str))
    context = ssl.create_default_context(cafile=sink.ca_file)
    try:
        smtp = (
            smtplib.SMTP_SSL(
                sink.smtp_host, sink.smtp_port, timeout=TIMEOUT_SECONDS, context=context
            )
            if sink.ssl
            else smtplib.SMTP(sink.smtp_host, sink.smtp_port, timeout=TIMEOUT_SECONDS)
        )
        with smtp:
            if sink.starttls and not sink.ssl:
                smtp.starttls(context=context)
            if sink.username_env:
                smtp.login(
                    _env(name, sink.username_env, secrets),
                    _env(name, sink.password_env or "", secrets),
                )
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise SinkError(
            f"alert sink {name!r}: SMTP {sink.smtp_host}:{sink.smtp_port}: {exc}"
        ) from exc
