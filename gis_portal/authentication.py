from axes.backends import AxesStandaloneBackend
from django.utils.translation import gettext as _


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout for every sign-in that comes with a request (the web form,
    tokens, HTTP Basic). A call without a request (a script, Django's test client) has no
    address to throttle and goes on to the model backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class NewPasswordVoidsTokens:
    """Not a rule for passwords but Django's hook for "this user has a new password" (a
    reset, a change, an admin setting it): the API tokens handed out under the old one are
    deleted, since whoever knew the old password may have taken a token too. A hash
    upgrade at sign-in is not a new password and keeps them."""

    def validate(self, password, user=None):
        pass

    def password_changed(self, password, user=None):
        from rest_framework.authtoken.models import Token

        if user is not None and user.pk is not None:
            Token.objects.filter(user=user).delete()

    def get_help_text(self):
        return _("เมื่อตั้งรหัสผ่านใหม่ โทเค็น API เดิมจะใช้ไม่ได้อีก")
