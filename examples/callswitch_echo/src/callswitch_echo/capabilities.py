"""What the Echo Voice API supports, declared as data: one row per capability."""

from __future__ import annotations

from callswitch.plugin import Capabilities, supported, unsupported

NAME = "echo"
#: Every claim rests on the API description in this package's README.
SOURCE = "callswitch-echo README (fictional Echo Voice API)"
LIVE = "only while the call is live"

CAPABILITIES = Capabilities(
    NAME,
    (
        supported("calls.get", "GET /calls/{id}", SOURCE),
        supported("calls.list", "GET /calls, cursor paging", SOURCE),
        supported("calls.create_phone", "POST /calls", SOURCE),
        unsupported("calls.create_web", "Echo has no web calls", SOURCE),
        supported("calls.update", "PATCH /calls/{id}", SOURCE),
        supported("calls.control", "say and hang up", SOURCE, LIVE),
        supported("calls.end", "POST /calls/{id}/hangup", SOURCE, LIVE),
        unsupported("calls.delete", "Echo keeps every call record", SOURCE),
        unsupported("webhooks.verify", "Echo sends no webhooks", SOURCE),
        supported("create.metadata", "meta on POST /calls", SOURCE),
        supported("create.variables", "vars on POST /calls", SOURCE),
        supported("list.status", "filtered by callswitch", SOURCE, client_side=True),
        supported("list.agent_id", "filtered by callswitch", SOURCE, client_side=True),
        supported("list.direction", "filtered by callswitch", SOURCE, client_side=True),
        supported("list.created_after", "filtered by callswitch", SOURCE, client_side=True),
        supported("list.created_before", "filtered by callswitch", SOURCE, client_side=True),
        supported("update.metadata", "meta, replaced whole", SOURCE),
        supported("update.variables", "vars, string values", SOURCE),
        unsupported("update.data_storage", "no storage setting", SOURCE),
        unsupported("update.recording_enabled", "no recording setting", SOURCE),
        unsupported("update.transcription_enabled", "no transcription setting", SOURCE),
        unsupported("update.greeting", "the greeting is fixed per agent", SOURCE),
        supported("update.name", "label", SOURCE),
        unsupported("control.inject_context", "no context injection", SOURCE),
        unsupported("control.trigger_response", "no context injection", SOURCE),
        unsupported("control.variables", "variables cannot change during a call", SOURCE),
        supported("control.say", "POST /calls/{id}/say", SOURCE, LIVE),
        supported("control.end_call", "POST /calls/{id}/hangup", SOURCE, LIVE),
        unsupported("control.transfer", "no transfers", SOURCE),
        unsupported("control.mute", "no mute", SOURCE),
    ),
)
