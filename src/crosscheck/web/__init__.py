"""crosscheck's web application and REST API (``crosscheck serve``); see ``app.create_app``.

``create_app`` is imported on first use, so importing this package (for ``TOKEN_ENV``)
does not need the optional web dependencies.
"""

TOKEN_ENV = "CROSSCHECK_TOKEN"  # environment variable holding the write token

__all__ = ["TOKEN_ENV", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from crosscheck.web.app import create_app

        return create_app
    raise AttributeError(name)
