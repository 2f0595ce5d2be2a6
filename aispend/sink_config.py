"""The alert sinks a config may name: Slack, a JSON webhook, email over SMTP, a local file.
Secrets are never written here, only the names of the environment variables that hold them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from aispend.config_base import Strict as _Strict


class SlackSink(_Strict):
    kind: Literal["slack"]
    webhook_url_env: str


class WebhookSink(_Strict):
    """A JSON webhook: ``url`` in the config, or ``url_env`` naming the environment variable
    that holds it (for URLs that carry a token); ``headers_env`` a JSON object of headers."""

    kind: Literal["webhook"]
    url: str | None = None
    url_env: str | None = None
    headers_env: str | None = None

    @model_validator(mode="after")
    def _one_url(self) -> WebhookSink:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url and url_env")
        return self


class EmailSink(_Strict):
    """SMTP. Credentials are sent only over TLS (``starttls``, or ``ssl`` for implicit TLS on
    port 465), with the server's certificate verified (``ca_file`` for a private CA); a login
    without TLS is refused unless ``insecure: true``."""

    kind: Literal["email"]
    smtp_host: str
    smtp_port: int = 25
    from_: str = Field(alias="from")
    to: list[str]
    username_env: str | None = None
    password_env: str | None = None
    starttls: bool = False
    ssl: bool = False
    ca_file: str | None = None
    insecure: bool = False


class FileSink(_Strict):
    kind: Literal["file"]
    path: str


SINK_KINDS = frozenset({"slack", "webhook", "email", "file"})

AlertSink = Annotated[SlackSink | WebhookSink | EmailSink | FileSink, Field(discriminator="kind")]
