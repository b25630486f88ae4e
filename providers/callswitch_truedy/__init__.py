"""callswitch provider plugin for Truedy (https://docs.truedy.ai), public API v1.

Registered through the ``callswitch.providers`` entry point (see ``plugin``). Nothing is
imported here, so listing providers stays cheap.
"""
