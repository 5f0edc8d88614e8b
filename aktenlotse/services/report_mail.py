"""Sending a report through the town's mail server (`[report]`): SMTP with STARTTLS and a
certificate check (against `smtp_cafile` for a private CA), login when a user is set.
Every failure becomes one German ReportError naming the cause; nothing is retried."""

from __future__ import annotations

import mimetypes
import smtplib
import socket
import ssl
from email.message import EmailMessage
from pathlib import Path

from aktenlotse.core.config_dms import SMTP_PASSWORD_ENV, ReportConfig
from aktenlotse.services.progress_report import ReportError

TIMEOUT_S = 30


def send_report(config: ReportConfig, attachment: Path, subject: str, text: str) -> None:
    """Mail `attachment` with `text` to `config.mail_to`."""
    if not config.smtp_host or not config.mail_from or not config.mail_to:
        raise ReportError("Für --mail fehlen in [report] smtp_host, mail_from oder mail_to.")
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, config.mail_from, ", ".join(config.mail_to)
    message.set_content(text)
    kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    main, sub = kind.split("/", 1)
    message.add_attachment(attachment.read_bytes(), maintype=main, subtype=sub, filename=attachment.name)
    where = f"{config.smtp_host}:{config.smtp_port}"
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=TIMEOUT_S) as smtp:
            if config.starttls:
                context = ssl.create_default_context(cafile=str(config.smtp_cafile) if config.smtp_cafile else None)
                smtp.starttls(context=context)
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise ReportError(
            f"Der Mailserver {where} lehnt die Anmeldung ab: [report] smtp_user und das Passwort "
            f"({SMTP_PASSWORD_ENV}) prüfen."
        ) from error
    except smtplib.SMTPNotSupportedError as error:
        raise ReportError(f"Der Mailserver {where} bietet kein STARTTLS an (oder keine Anmeldung).") from error
    except ssl.SSLCertVerificationError as error:
        raise ReportError(
            f"Das Zertifikat des Mailservers {where} ist nicht vertrauenswürdig ([report] smtp_cafile prüfen)."
        ) from error
    except smtplib.SMTPRecipientsRefused as error:
        raise ReportError(
            f"Der Mailserver {where} nimmt die Empfänger nicht an: {', '.join(error.recipients)}."
        ) from error
    except (smtplib.SMTPException, ssl.SSLError) as error:
        raise ReportError(f"Senden über {where} fehlgeschlagen: {error}.") from error
    except (TimeoutError, ConnectionRefusedError, socket.gaierror, OSError) as error:
        raise ReportError(f"Der Mailserver {where} ist nicht erreichbar ({error.strerror or error}).") from error
