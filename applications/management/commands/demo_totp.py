from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Zeigt den aktuellen TOTP-Code eines Demo-Zugangs (nur im Demo-Modus)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Nur im Demo-Modus (DEMO_MODE=1) verfügbar.")
        auth = Authenticator.objects.filter(user__email=email, type=Authenticator.Type.TOTP).first()
        if auth is None:
            raise CommandError(f"Für {email} ist kein TOTP eingerichtet.")
        secret = decrypt(auth.data["secret"])
        counter = int(timezone.now().timestamp()) // 30
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
