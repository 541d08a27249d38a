"""Signing in, with an optional second step (a six-digit code from an authenticator app)
for anyone who turns it on: meant for managers and platform admins, who can change what
others see."""

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, login as otp_login
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from layers.schema import bilingual


class SignInForm(OTPAuthenticationFormMixin, AuthenticationForm):
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": bilingual("ใส่รหัสยืนยัน 6 หลักจากแอปยืนยันตัวตน", "Enter the 6-digit code from your authenticator app."),
        "invalid_token": bilingual("รหัสยืนยันไม่ถูกต้องหรือหมดเวลา", "The code is wrong or has expired."),
    }
    otp_token = forms.CharField(required=False, label=_("รหัสยืนยัน 6 หลัก (ถ้าเปิดใช้)"))
    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)

    def _chosen_device(self, user):
        # One authenticator app per person here, so the form need not ask which.
        return super()._chosen_device(user) or TOTPDevice.objects.devices_for_user(user, confirmed=True).first()

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        # The code is asked only of those who turned the second step on.
        if user is not None and any(devices_for_user(user, confirmed=True)):
            self.clean_otp(user)
        return cleaned


class SignInView(LoginView):
    form_class = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        device = getattr(form.get_user(), "otp_device", None)
        if device is not None:
            otp_login(self.request, device)
        return response


def qr_svg(text):
    """The QR code as SVG made here: the secret never goes to an outside QR service."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return mark_safe(image.to_string(encoding="unicode"))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Turn the second step on (scan, then confirm with a code) or off."""
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    error = None
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        if request.POST.get("action") == "start" and confirmed is None:
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
            return redirect("two-factor")
        device = pending if request.POST.get("action") == "confirm" else confirmed
        if device is not None and device.verify_token(token):
            if request.POST.get("action") == "confirm":
                device.confirmed = True
                device.save()
                otp_login(request, device)
            else:
                device.delete()
            return redirect("two-factor")
        error = _("รหัสไม่ถูกต้อง ลองใหม่อีกครั้ง")
    return render(request, "registration/two_factor.html", {
        "confirmed": confirmed,
        "pending": pending,
        "qr": qr_svg(pending.config_url) if pending else None,
        "error": error,
    })
