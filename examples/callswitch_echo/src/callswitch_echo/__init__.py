"""callswitch-echo: an example third-party provider plugin (the fictional Echo Voice API)."""

__version__ = "0.1.0"
