"""Where budget alerts go: a Slack incoming webhook, a generic JSON webhook, email over SMTP, or
a local JSON-lines file. Secrets (webhook URLs, SMTP passwords) come from environment variables
and are never printed: errors name the sink and the variable, not its value."""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aispend.config import AlertSink, EmailSink, FileSink, SlackSink, WebhookSink

TIMEOUT_SECONDS = 10


class SinkError(Exception):
    """An alert could not be delivered; it stays pending and is retried on the next check."""


def send(name: str, sink: AlertSink, message: dict[str, Any], base_dir: Path) -> None:
    if isinstance(sink, SlackSink):
        url = _env(name, sink.webhook_url_env)
        _post(name, url, {"text": message["text"]}, where=f"${sink.webhook_url_env}")
    elif isinstance(sink, WebhookSink):
        headers = json.loads(_env(name, sink.headers_env)) if sink.headers_env else {}
        _post(name, sink.url, message, where=sink.url, headers=headers)
    elif isinstance(sink, EmailSink):
        _email(name, sink, message)
    elif isinstance(sink, FileSink):
        path = Path(sink.path) if Path(sink.path).is_absolute() else base_dir / sink.path
        try:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(message, default=str) + "\n")
        except OSError as exc:
            raise SinkError(f"alert sink {name!r}: cannot append to {path}: {exc}") from exc


def _env(name: str, variable: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise SinkError(f"alert sink {name!r}: environment variable {variable} is not set")
    return value


def _post(
    name: str, url: str, body: dict[str, Any], *, where: str, headers: dict[str, str] | None = None
) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body, default=str).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            if response.status >= 300:
                raise SinkError(f"alert sink {name!r}: {where} answered HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise SinkError(f"alert sink {name!r}: {where} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SinkError(f"alert sink {name!r}: cannot reach {where}: {reason}") from exc


def _email(name: str, sink: EmailSink, message: dict[str, Any]) -> None:
    mail = EmailMessage()
    mail["Subject"] = message["subject"]
    mail["From"] = sink.from_
    mail["To"] = ", ".join(sink.to)
    mail.set_content(message["text"] + "\n\n" + json.dumps(message, indent=2, default=str))
    try:
        with smtplib.SMTP(sink.smtp_host, sink.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if sink.starttls:
                smtp.starttls()
            if sink.username_env:
                smtp.login(_env(name, sink.username_env), _env(name, sink.password_env or ""))
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise SinkError(
            f"alert sink {name!r}: SMTP {sink.smtp_host}:{sink.smtp_port}: {exc}"
        ) from exc
