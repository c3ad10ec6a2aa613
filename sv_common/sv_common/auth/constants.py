"""Names shared by every site's auth: the cookie that carries the session token."""

AUTH_COOKIE = "patt_token"
