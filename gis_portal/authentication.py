from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout for every sign-in that comes with a request (the web form,
    tokens, HTTP Basic). A call without a request (a script, Django's test client) has no
    address to throttle and goes on to the model backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
