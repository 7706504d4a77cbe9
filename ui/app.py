"""The Gradio app: a chat where the sensei runs the tools and shows real plots.

State lives per browser session in a `gr.State` (a `UiSession`): the sensei's settings (the API
key stays in server memory only), the learner's conversation, and the rendered chat history. Two
browsers never share any of it; they share only the read-only model cache.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from agent.sensei import TAKEOVER_SECONDS, Conversation, Sensei
from agent.settings import Settings
from lessons import Progress
from tools.core.models import EMBEDDED, cached_models
from tools.core.notes import render
from tools.core.placement import DEVICES, DTYPES, PlacementError
from ui.explorer import ExplorerPanel
from ui.export import export_markdown
from ui.lessons import LessonPanel
from ui.render import ChatRenderer
from ui.texts import TUTORIAL, Language, examples, i18n, t

__all__ = ["build_app", "UiSession", "artifacts_root"]


@dataclass
class UiSession:
    sensei: Sensei
    conversation: Conversation
    directory: Path
    history: list[Any] = field(default_factory=list)
    busy: threading.Lock = field(default_factory=threading.Lock)  # held by a turn, an undo, a retry or a clear
    cancel: threading.Event = field(default_factory=threading.Event)  # stops the turn that holds `busy`
    lesson: Progress | None = None  # the guided lesson this browser is taking (ui/lessons.py)


def artifacts_root(settings: Settings) -> Path:
    root = settings.artifacts_dir or Path(tempfile.gettempdir()) / "attention-sensei-ui"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _new_session(settings: Settings) -> UiSession:
    directory = artifacts_root(settings) / uuid.uuid4().hex  # unguessable: files are served by path
    sensei = Sensei(settings)
    conversation = sensei.new_conversation(directory)
    conversation.tools.downloads = settings.downloads()
    return UiSession(sensei, conversation, directory)


def _forget(state: UiSession | None) -> None:
    """A browser session ended: its figures go with it."""
    if state is not None:
        shutil.rmtree(state.directory, ignore_errors=True)


def _settle_pending(history: list[Any]) -> None:
    """Steps left pending by a stopped turn are closed, so no spinner turns forever."""
    for message in history:
        metadata = getattr(message, "metadata", None)
        if metadata and metadata.get("status") == "pending":
            metadata["status"] = "done"
            metadata["title"] = f"{metadata.get('title', '')} ⏹"


def _take(question: str) -> tuple[str, str]:
    """The page's first step of a question: it leaves the box, empty at once for the next one, and waits in
    `pending` for the turn, which never writes to the box while it draws (a turn that emptied the box on each
    update wiped what the learner had begun typing)."""
    return "", question


def _ask(settings: Settings, question: str, state: UiSession | None, language: Language
         ) -> Iterator[tuple[list[Any], UiSession, Any]]:
    session = state or _new_session(settings)
    question = (question or "").strip()
    if not question:
        yield session.history, session, gr.skip()
        return
    session.cancel.set()  # a new question replaces the one still running
    session.cancel = cancel = threading.Event()  # set by Stop from here on, even before the turn starts
    if not session.busy.acquire(timeout=TAKEOVER_SECONDS):
        gr.Warning(t("busy", language))
        yield session.history, session, question  # the question goes back in the box, to send again
        return
    try:
        yield from _answer(session, question, language, cancel)
    finally:
        session.busy.release()


def _answer(session: UiSession, question: str, language: Language, cancel: threading.Event
            ) -> Iterator[tuple[list[Any], UiSession, Any]]:
    """Show one turn as it runs; the caller holds `session.busy`, so no undo or retry cuts the history under it.

    The question box is left alone (`gr.skip()`): the page emptied it when the question was sent (`_take`),
    and what the learner types next while this turn draws stays there."""
    _settle_pending(session.history)
    session.history.append(gr.ChatMessage(role="user", content=question))
    renderer = ChatRenderer(session.history, language)
    yield session.history, session, gr.skip()
    session.conversation.tools.downloads.learner_named(question)
    turn = session.sensei.turn(session.conversation, question, cancel)
    try:
        for event in turn:
            renderer.apply(event)
            yield session.history, session, gr.skip()
    finally:
        turn.close()  # Stop closed us: the turn answers its open calls and lets go before `busy` does


def _stop(state: UiSession | None) -> None:
    if state is not None:
        state.cancel.set()


def _truncate_last_turn(session: UiSession) -> str | None:
    """Drop the last question and everything after it, from the chat and from the agent's history.

    The caller holds `session.busy`. A question stopped before the sensei took it (or refused by it)
    is in the chat only, so the sensei's history is cut only when its last question is this one.
    """
    users = [i for i, m in enumerate(session.history) if getattr(m, "role", None) == "user"]
    if not users:
        return None
    question = str(session.history[users[-1]].content)
    del session.history[users[-1]:]
    asked = [m["content"] for m in session.conversation.messages if m["role"] == "user"]
    if asked and asked[-1] == question:
        session.sensei.undo(session.conversation)
    return question


def _hold(session: UiSession, language: Language) -> bool:
    """Take `session.busy` for an undo or a retry; while a turn runs they are refused, and the learner told."""
    if session.busy.acquire(blocking=False):
        return True
    gr.Warning(t("busy_undo", language))
    return False


def _undo(settings: Settings, state: UiSession | None, language: Language) -> tuple[list[Any], UiSession]:
    session = state or _new_session(settings)
    if _hold(session, language):
        try:
            _truncate_last_turn(session)
        finally:
            session.busy.release()
    return session.history, session


def _retry(settings: Settings, state: UiSession | None, language: Language
           ) -> Iterator[tuple[list[Any], UiSession, Any]]:
    session = state or _new_session(settings)
    if not _hold(session, language):
        yield session.history, session, gr.skip()
        return
    try:
        question = _truncate_last_turn(session)
        session.cancel = cancel = threading.Event()
        if question:
            yield from _answer(session, question, language, cancel)
        else:
            yield session.history, session, gr.skip()
    finally:
        session.busy.release()


def _clear(settings: Settings, state: UiSession | None, language: Language) -> tuple[list[Any], UiSession]:
    """A new conversation. A running turn is stopped first, as Stop does, and waited for: left running, it
    would go on showing the old conversation, and set it back as the state, after the clear. The old
    conversation's figures go (no browser session holds it any more). Refused with a note if the turn does
    not end in time, as a new question is."""
    if state is None:
        session = _new_session(settings)
        return session.history, session
    state.cancel.set()
    if not state.busy.acquire(timeout=TAKEOVER_SECONDS):
        gr.Warning(t("busy", language))
        return state.history, state
    try:
        session = _new_session(state.sensei.settings)
        _forget(state)
    finally:
        state.busy.release()
    return session.history, session


def _apply_settings(settings: Settings, backend: str, base_url: str, llm_model: str, api_key: str, model: str,
                    state: UiSession | None, language: Language, device: str = "", dtype: str = ""
                    ) -> tuple[UiSession, str]:
    session = state or _new_session(settings)
    current = session.sensei.settings
    # where this browser's models run: a device this machine lacks refuses the whole change, and says why
    placing = {"device": (device or "").strip().lower() or current.device, "dtype": dtype or current.dtype}
    placement = dataclasses.replace(current.placement(), **placing)
    try:
        resolved = placement.resolved()
    except PlacementError as error:
        reason = render(error.note, language) if error.note else str(error)
        return session, t("not_applied", language).format(reason=reason)
    updated = dataclasses.replace(
        current,
        **placing,
        backend=backend if backend in ("offline", "openai") else current.backend,
        base_url=(base_url or "").strip() or None,
        llm_model=(llm_model or "").strip() or current.llm_model,
        api_key=(api_key or "").strip() or current.api_key,
    )
    session.sensei = Sensei(updated)
    session.conversation.tools.placement = placement
    if (model or "").strip():
        session.conversation.tools.model_name = model.strip()
        session.conversation.tools.downloads.learner_named(model)
    status = t("applied", language).format(backend=session.sensei.describe(),
                                          model=session.conversation.tools.model_name, device=resolved.device,
                                          dtype=resolved.dtype)
    return session, status


def _export(settings: Settings, state: UiSession | None, language: Language) -> Any:
    if state is None or not state.history:
        return gr.update(value=None, visible=False)
    path = state.directory / "attention-sensei-lesson.md"
    state.directory.mkdir(parents=True, exist_ok=True)
    lesson = state.lesson.summary(language) if state.lesson is not None else ""
    path.write_text(export_markdown(state.history, language, state.directory, lesson), encoding="utf-8")
    return gr.update(value=str(path), visible=True)


def _relabel(language: Language) -> list[Any]:
    """Updates that switch every visible string to `language` (order matches _labelled())."""
    return [
        gr.update(value=t("title", language)),
        gr.update(value=t("subtitle", language)),
        gr.update(label=t("chat", language)),
        gr.update(label=t("question", language), placeholder=t("placeholder", language)),
        gr.update(value=t("send", language)),
        gr.update(value=t("stop", language)),
        gr.update(value=t("clear", language)),
        gr.update(value=t("export", language)),
        gr.update(label=t("tutorial", language)),
        gr.update(label=t("examples", language)),
        gr.update(label=t("settings", language)),
        gr.update(label=t("export_file", language)),
        *[gr.update(value=step.label[language]) for step in TUTORIAL],
        *[gr.update(value=example) for example in examples()[language]],
    ]


def build_app(settings: Settings, mcp: bool = False) -> gr.Blocks:
    models = [*EMBEDDED, *cached_models()]
    # analytics_enabled=False: Gradio otherwise phones home on start (launch analytics, version check),
    # and the app promises to work offline with no traffic of its own.
    with gr.Blocks(title="Attention Sensei", analytics_enabled=False) as app:
        state = gr.State(None, delete_callback=_forget)
        with gr.Row():
            with gr.Column(scale=4):
                title = gr.Markdown(t("title", "en"))
            language = gr.Radio(["en", "ja"], value="en", label=t("language", "en"), scale=1,
                                elem_id="language")
        subtitle = gr.Markdown(t("subtitle", "en"))
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label=t("chat", "en"), height=620, elem_id="chat", buttons=["copy"])
            with gr.Column(scale=2, elem_id="explorer-column"):
                explorer = ExplorerPanel()  # the latest analysed sentence, interactive (ui/explorer.py)
        with gr.Row():
            question = gr.Textbox(label=t("question", "en"), placeholder=t("placeholder", "en"), scale=5,
                                  elem_id="question", lines=1, max_length=20_000)
            send = gr.Button(t("send", "en"), variant="primary", scale=1, elem_id="send")
            stop = gr.Button(t("stop", "en"), variant="stop", scale=1, elem_id="stop")
        lesson_panel = LessonPanel(partial(_new_session, settings))  # guided lessons (ui/lessons.py)
        with gr.Accordion(t("tutorial", "en"), open=True, elem_id="tutorial") as tutorial_box:
            with gr.Row():
                tutorial_buttons = [gr.Button(step.label["en"], size="sm", elem_id=f"tutorial-{i + 1}")
                                    for i, step in enumerate(TUTORIAL)]
        with gr.Accordion(t("examples", "en"), open=True, elem_id="examples") as examples_box:
            with gr.Row():
                example_buttons = [gr.Button(text, size="sm", elem_id=f"example-{i + 1}")
                                   for i, text in enumerate(examples()["en"])]
        with gr.Row():
            clear = gr.Button(t("clear", "en"), size="sm", elem_id="clear")
            export = gr.Button(t("export", "en"), size="sm", elem_id="export")
            handout = gr.File(label=t("export_file", "en"), elem_id="handout", interactive=False, visible=False)
        with gr.Accordion(t("settings", "en"), open=False, elem_id="settings") as settings_box:
            backend = gr.Radio(["offline", "openai"], value=settings.resolved_backend(), label=t("backend", "en"))
            base_url = gr.Textbox(settings.base_url or "", label=t("base_url", "en"),
                                  placeholder="http://localhost:11434/v1")
            llm_model = gr.Textbox(settings.llm_model, label=t("llm_model", "en"))
            api_key = gr.Textbox("", type="password", label=t("api_key", "en"), elem_id="api-key")
            model = gr.Dropdown(models, value=settings.model, allow_custom_value=True, label=t("model", "en"))
            with gr.Row():
                device = gr.Dropdown(list(DEVICES), value=settings.device, allow_custom_value=True,
                                     label=t("device", "en"), elem_id="device")
                dtype = gr.Dropdown(list(DTYPES), value=settings.dtype, label=t("dtype", "en"), elem_id="dtype")
            apply = gr.Button(t("apply", "en"), size="sm")
            status = gr.Markdown("", elem_id="settings-status")

        # With --mcp, other agents get the tools (ui/mcp.py); the chat's own events stay off the API page.
        listed = "undocumented" if mcp else "public"
        ask = partial(_ask, settings)
        chat_outputs = [chatbot, state, question]
        pending = gr.State("")  # a question sent from the box, on its way to the turn (`_take`)
        asking = [gr.on([send.click, question.submit], _take, [question], [question, pending], queue=False,
                        api_visibility="private").then(ask, [pending, state, language], chat_outputs,
                                                       api_visibility="private")]
        # the API's ask takes the question with the call: a button no one sees carries it, so the endpoint
        # keeps its inputs (question, language) and outputs (chat, box)
        api_ask = gr.Button(visible=False)
        asking.append(api_ask.click(ask, [question, state, language], chat_outputs, api_name="ask",
                                    api_visibility=listed))
        for index, button in enumerate(tutorial_buttons):
            asking.append(button.click(partial(_tutorial, settings, index), [state, language], chat_outputs,
                                       api_name=f"tutorial_{index + 1}", api_visibility=listed))
        for button in example_buttons:
            asking.append(button.click(ask, [button, state, language], chat_outputs, api_visibility="private"))
        asking += lesson_panel.wire(state, chatbot, language)  # a lesson step runs a tool as a turn does
        # the buttons under an answer that offers questions (the menu of views) ask the one clicked
        asking.append(chatbot.option_select(_suggested(settings), [state, language], chat_outputs,
                                            api_visibility="private"))
        asking.append(chatbot.retry(partial(_retry, settings), [state, language], chat_outputs, api_name="retry",
                                    api_visibility=listed))
        stop.click(_stop, [state], None, cancels=asking, api_name="stop", api_visibility=listed)
        undone = chatbot.undo(partial(_undo, settings), [state, language], [chatbot, state], api_name="undo",
                              api_visibility=listed)
        cleared = clear.click(partial(_clear, settings), [state, language], [chatbot, state], cancels=asking,
                              api_name="clear", api_visibility=listed)
        export.click(partial(_export, settings), [state, language], [handout], api_name="export",
                     api_visibility=listed)
        apply.click(partial(_apply_settings, settings),
                    [backend, base_url, llm_model, api_key, model, state, language, device, dtype],
                    [state, status], api_name="apply_settings", api_visibility=listed)
        # after a turn, an undo or a clear, the explorer shows the latest analysed sentence (no forward pass)
        explorer.wire(state, language, after=[*asking, undone, cleared])  # and its menu and language
        labelled = [title, subtitle, chatbot, question, send, stop, clear, export, tutorial_box, examples_box,
                    settings_box, handout, *tutorial_buttons, *example_buttons]
        language.change(_relabel, [language], labelled, api_visibility="private")
        app.load(None, None, [language],
                 js="() => (navigator.language || 'en').toLowerCase().startsWith('ja') ? 'ja' : 'en'")
    return app


def _tutorial(settings: Settings, index: int, state: UiSession | None, language: Language
              ) -> Iterator[tuple[list[Any], UiSession, Any]]:
    yield from _ask(settings, TUTORIAL[index].question[language], state, language)


def _suggested(settings: Settings) -> Callable[..., Iterator[tuple[list[Any], UiSession, Any]]]:
    """The handler of a button under an answer: it asks the question the button offers (its value).

    A plain function, not a partial: Gradio finds the `gr.SelectData` parameter by the function's type hints,
    which it cannot read through a partial."""

    def ask_suggested(state: UiSession | None, language: Language, chosen: gr.SelectData
                      ) -> Iterator[tuple[list[Any], UiSession, Any]]:
        yield from _ask(settings, str(chosen.value), state, language)

    return ask_suggested


def launch_options(settings: Settings, mcp: bool = False, auth: tuple[str, str] | None = None) -> dict[str, Any]:
    """What `launch()` needs besides host and port: the served figures, the languages and, with `mcp`, the
    tools over MCP (ui/mcp.py; Gradio's own stateless MCP server, `mcp_server=True`, is not used)."""
    options: dict[str, Any] = {"allowed_paths": [str(artifacts_root(settings))], "i18n": i18n(), "auth": auth}
    if mcp:
        from ui.mcp import McpServer

        server = McpServer(settings, artifacts_root(settings) / "mcp", auth)
        options["app_kwargs"] = {"routes": server.routes, "lifespan": server.lifespan}
    return options
