"""Models of the authentication routes (đăng nhập, đổi mật khẩu, quên mật khẩu)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from api.auth import MIN_PASSWORD_LENGTH


class TokenPair(SQLModel):
    """The OAuth2 token response: a short-lived access token and a refresh token."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class LoginIn(SQLModel):
    """A sign-in: the OAuth2 form of `POST /auth/token` and the sign-in page's form."""

    username: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=200)


class RefreshIn(SQLModel):
    refresh_token: str = Field(min_length=1, max_length=2000)


class PasswordChange(SQLModel):
    current_password: str = Field(max_length=200)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)


class PasswordResetRequest(SQLModel):
    """Username or e-mail of the account to reset; the answer never says if it exists."""

    login: str = Field(min_length=1, max_length=255)


class PasswordResetConfirm(SQLModel):
    token: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=200)
