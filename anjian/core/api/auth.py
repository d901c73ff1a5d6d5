"""POST /api/v1/auth/token/ {"username", "password"} → {"token"}: machine clients' login, throttled."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from anjian.core.api.errors import error_body
from anjian.org.auth import INVALID_MESSAGE, login_user


class TokenRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.CharField(
        max_length=150, error_messages={"required": "请填写用户名。", "blank": "请填写用户名。"}
    )
    password = serializers.CharField(
        max_length=256, error_messages={"required": "请填写密码。", "blank": "请填写密码。"}
    )


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (the same throttling as the login page)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        summary="获取 API 令牌",
    )
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, error = login_user(
            request._request, data.validated_data["username"], data.validated_data["password"]
        )
        if user is None:
            code = "not_authenticated" if error == INVALID_MESSAGE else "throttled"
            http = (
                status.HTTP_400_BAD_REQUEST
                if code == "not_authenticated"
                else status.HTTP_429_TOO_MANY_REQUESTS
            )
            return Response(error_body(code, error), status=http)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
