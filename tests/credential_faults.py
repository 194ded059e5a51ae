"""Ways a server's credential check goes wrong whatever the contract: each is a mixin placed
before a contract's handler, whose authenticate() it narrows or widens."""


class LetsNoCredentialThrough:
    def authenticate(self):
        if self.headers.get("Authorization") or self.headers.get("api-key"):
            super().authenticate()


class AcceptsAnyHexBearer:
    def authenticate(self):
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme == "Bearer" and token and all(c in "0123456789abcdef" for c in token):
            return
        super().authenticate()


class ComparesTheKeyIgnoringCase:
    def authenticate(self):
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme == "Bearer" and token.lower() == self.settings.api_key.lower():
            return
        super().authenticate()
