/*
 * Pump program chat widget: a small, accessible client for Rasa's socket.io
 * channel (bot/channels/socketio.py), built on socket.io-client from npm.
 *
 * - All text is shown with textContent (never innerHTML): what a user or the
 *   bot sends is displayed literally, newlines kept by CSS white-space: pre-line.
 * - The conversation survives a page reload, not the browser session: the
 *   session credential the server issued and the messages are kept in
 *   sessionStorage (a shared family computer keeps nothing once the tab or
 *   browser is closed), and session_request is re-sent with the credential on
 *   every (re)connection. The server issues sessions; the widget never makes one.
 * - Keyboard: Enter sends (Shift+Enter adds a line), Tab reaches the quick
 *   reply buttons, Escape closes the chat and returns focus to the launcher.
 *   Messages are added to a role="log" aria-live="polite" region.
 * - Languages: every visible string comes from config.widget[language]
 *   (knowledge/widget.yml and knowledge/<language>/widget.yml, contacts filled
 *   in by the server); the English built in below is only for a page without
 *   /config.js. The switch in the header (English / Español) keeps the choice
 *   in the saved state, re-labels the widget at once and sends
 *   /set_language{"language": ...} to Rasa, shown in the log as the language's
 *   name. The first language is the saved one, else the browser's (Spanish when
 *   navigator.language starts with "es"), else English; a new conversation in
 *   a language other than the default starts with that payload, so the bot
 *   answers in it from the first message.
 *
 * Configuration comes from /config.js (window.PUMP_CHAT_CONFIG), written by
 * bot/web/server.py from the environment and knowledge/.
 */
(function () {
  "use strict";

  var config = window.PUMP_CHAT_CONFIG || {};
  var RASA_URL = config.rasaUrl || "http://localhost:5005";
  var SOCKET_PATH = config.socketPath || "/socket.io/";
  var STORE_KEY = config.storageKey || "pumpChat.v1";
  var MAX_MESSAGES = 200;
  var MAX_LENGTH = 500;
  var SLOW_REPLY_MS = 20000;
  var contacts = config.contacts || {};

  // English, only for a page without /config.js (same keys as knowledge/widget.yml).
  var BUILT_IN = {
    launcher_label: "Chat with the pump assistant",
    title: "Pump program assistant",
    clear_button: "Clear chat",
    close_button_label: "Close chat",
    intro_notice: "Ask about the pump program. Answers are general information, not medical advice. " +
      "In an emergency, call 911.",
    log_label: "Conversation",
    quick_replies_label: "Suggested questions",
    user_prefix: "You: ",
    bot_prefix: "Assistant: ",
    typing: "The assistant is typing\u2026",
    attachment_unsupported: "(The assistant sent something this chat can't show.)",
    input_label: "Your message",
    input_placeholder: "Type your question\u2026",
    send_button: "Send",
    keyboard_hint: "Press Enter to send, Shift and Enter for a new line, Escape to close the chat.",
    status_load_failed: "The chat could not load. Please call the clinic at {clinic_phone}. " +
      "In an emergency, call 911.",
    status_connecting: "Connecting\u2026",
    status_reconnecting: "Reconnecting\u2026",
    status_unreachable: "Can't reach the assistant right now; still trying. For questions, call the clinic at " +
      "{clinic_phone}. In an emergency, call 911.",
    status_no_answer: "No answer yet. Please try again, or call the clinic at {clinic_phone}. " +
      "In an emergency, call 911.",
    status_cleared: "Chat cleared.",
    clinic_phone_fallback: "the clinic",
    source_prefix: "Source:",
    urgent_prefix: "Call 911",
    switch_label: "Language",
    switch_en: "English",
    switch_es: "Espa\u00f1ol"
  };
  var WIDGET = config.widget && typeof config.widget === "object" ? config.widget : {};
  var LANGUAGES = (Array.isArray(config.languages) ? config.languages : []).filter(function (code) {
    return typeof code === "string" && WIDGET[code] && typeof WIDGET[code] === "object";
  });
  if (!LANGUAGES.length) {
    LANGUAGES = ["en"];
  }
  var DEFAULT_LANGUAGE = LANGUAGES[0];

  function textsFor(language) {
    var given = WIDGET[language] || {};
    var english = WIDGET.en || {};
    var texts = {};
    Object.keys(BUILT_IN).forEach(function (key) {
      var text = typeof given[key] === "string" ? given[key]
        : typeof english[key] === "string" ? english[key] : BUILT_IN[key];
      texts[key] = text;
    });
    // The server fills the contacts in; without it, the built-in texts get them here.
    var phone = contacts.clinic_phone || texts.clinic_phone_fallback;
    Object.keys(texts).forEach(function (key) {
      texts[key] = texts[key].split("{clinic_phone}").join(phone);
    });
    return texts;
  }

  // Bot messages starting with these are styled as a source line / urgent message (any language).
  function prefixes(key) {
    var all = [BUILT_IN[key]];
    LANGUAGES.forEach(function (code) {
      var text = textsFor(code)[key];
      if (text && all.indexOf(text) < 0) {
        all.push(text);
      }
    });
    return all;
  }
  var SOURCE_PREFIXES = prefixes("source_prefix");
  var URGENT_PREFIXES = prefixes("urgent_prefix");

  // "You: " before a message for screen readers (the server trims its texts' spaces).
  function who(mine) {
    return (mine ? texts.user_prefix : texts.bot_prefix).replace(/\s*$/, " ");
  }

  function startsWithAny(text, starts) {
    return starts.some(function (start) { return text.indexOf(start) === 0; });
  }

  // A language is named in its own words ("Español" whatever the widget's language).
  function languageName(code) {
    return textsFor(code)["switch_" + code] || code;
  }

  function languagePayload(code) {
    return "/set_language" + JSON.stringify({ language: code });
  }

  function isLanguagePayload(message) {
    return message.indexOf("/set_language") === 0;
  }

  function browserLanguage() {
    var language = String((window.navigator && window.navigator.language) || "").toLowerCase();
    return language.indexOf("es") === 0 && LANGUAGES.indexOf("es") >= 0 ? "es" : DEFAULT_LANGUAGE;
  }

  function knownLanguage(code) {
    return typeof code === "string" && LANGUAGES.indexOf(code) >= 0;
  }

  // ---- stored state -------------------------------------------------------

  function emptyState(language) {
    return { sessionId: null, messages: [], open: false, language: language };
  }

  function loadState() {
    try {
      // Transcripts of older versions were kept in localStorage: remove them.
      window.localStorage.removeItem(STORE_KEY);
      var saved = JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.messages)) {
        return {
          sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
          messages: saved.messages.filter(isMessage).slice(-MAX_MESSAGES),
          open: saved.open === true,
          // A conversation saved by a version without languages was in the default one.
          language: knownLanguage(saved.language) ? saved.language
            : typeof saved.sessionId === "string" ? DEFAULT_LANGUAGE : browserLanguage()
        };
      }
    } catch (err) {
      /* unreadable or unavailable storage: start fresh */
    }
    return emptyState(browserLanguage());
  }

  function isMessage(m) {
    return m && (m.from === "user" || m.from === "bot") && typeof m.text === "string";
  }

  function saveState() {
    try {
      state.messages = state.messages.slice(-MAX_MESSAGES);
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (err) {
      /* private mode or full storage: the chat still works, without history */
    }
  }

  var state = loadState();
  var texts = textsFor(state.language);

  // ---- DOM ------------------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  var root = el("div", { "class": "pump-chat" });

  var launcher = el("button", {
    type: "button",
    "class": "pump-chat__launcher",
    "aria-expanded": "false",
    "aria-controls": "pump-chat-panel"
  });
  launcher.appendChild(el("span", { "class": "pump-chat__launcher-icon", "aria-hidden": "true" }));
  var launcherLabel = el("span", {});
  launcher.appendChild(launcherLabel);

  var panel = el("section", {
    id: "pump-chat-panel",
    "class": "pump-chat__panel",
    role: "dialog",
    "aria-modal": "false",
    "aria-labelledby": "pump-chat-title",
    "aria-describedby": "pump-chat-notice"
  });
  panel.hidden = true;

  var header = el("div", { "class": "pump-chat__header" });
  var title = el("h2", { id: "pump-chat-title", "class": "pump-chat__title" });
  header.appendChild(title);
  var clearButton = el("button", { type: "button", "class": "pump-chat__clear" });
  var closeButton = el("button", { type: "button", "class": "pump-chat__close" });
  closeButton.appendChild(el("span", { "aria-hidden": "true" }, "\u00d7"));
  header.appendChild(clearButton);
  header.appendChild(closeButton);

  // The language switch: one toggle button per language, named in its own language.
  var languageSwitch = el("div", { "class": "pump-chat__languages", role: "group" });
  var languageButtons = {};
  if (LANGUAGES.length > 1) {
    LANGUAGES.forEach(function (code) {
      var button = el("button", { type: "button", "class": "pump-chat__language", lang: code }, languageName(code));
      button.addEventListener("click", function () {
        chooseLanguage(code);
      });
      languageButtons[code] = button;
      languageSwitch.appendChild(button);
    });
    header.appendChild(languageSwitch);
  }

  var notice = el("p", { id: "pump-chat-notice", "class": "pump-chat__notice" });

  var log = el("div", {
    "class": "pump-chat__log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    tabindex: "0"
  });

  var quick = el("div", { "class": "pump-chat__quick", role: "group" });
  quick.hidden = true;

  var typing = el("p", { "class": "pump-chat__typing", "aria-hidden": "true" });
  typing.hidden = true;

  var status = el("p", { "class": "pump-chat__status", role: "status" });

  var form = el("form", { "class": "pump-chat__form" });
  var inputLabel = el("label", { "for": "pump-chat-input", "class": "visually-hidden" });
  form.appendChild(inputLabel);
  var input = el("textarea", {
    id: "pump-chat-input",
    "class": "pump-chat__input",
    rows: "2",
    maxlength: String(MAX_LENGTH),
    "aria-describedby": "pump-chat-hint",
    autocomplete: "off"
  });
  form.appendChild(input);
  var sendButton = el("button", { type: "submit", "class": "pump-chat__send" });
  form.appendChild(sendButton);
  var hint = el("p", { id: "pump-chat-hint", "class": "visually-hidden" });
  form.appendChild(hint);

  [header, notice, log, quick, typing, status, form].forEach(function (node) {
    panel.appendChild(node);
  });
  root.appendChild(panel);
  root.appendChild(launcher);
  document.body.appendChild(root);

  // ---- rendering ----------------------------------------------------------

  function messageNode(message) {
    var mine = message.from === "user";
    var classes = "pump-chat__msg " + (mine ? "pump-chat__msg--user" : "pump-chat__msg--bot");
    if (!mine && startsWithAny(message.text, SOURCE_PREFIXES)) {
      classes += " pump-chat__msg--source";
    }
    if (!mine && startsWithAny(message.text, URGENT_PREFIXES)) {
      classes += " pump-chat__msg--urgent";
    }
    var node = el("div", { "class": classes });
    node.appendChild(el("span", { "class": "visually-hidden pump-chat__who" }, who(mine)));
    node.appendChild(el("span", { "class": "pump-chat__text" }, message.text));
    return node;
  }

  function renderQuickReplies() {
    while (quick.firstChild) {
      quick.removeChild(quick.firstChild);
    }
    var last = state.messages[state.messages.length - 1];
    var buttons = last && last.from === "bot" && Array.isArray(last.buttons) ? last.buttons : [];
    buttons.forEach(function (b) {
      var button = el("button", { type: "button", "class": "pump-chat__reply" }, b.title);
      button.addEventListener("click", function () {
        send(b.payload, b.title);
        input.focus();
      });
      quick.appendChild(button);
    });
    quick.hidden = buttons.length === 0;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderAll() {
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    state.messages.forEach(function (m) {
      log.appendChild(messageNode(m));
    });
    renderQuickReplies();
    scrollToEnd();
  }

  function addMessage(message) {
    state.messages.push(message);
    saveState();
    log.appendChild(messageNode(message));
    while (log.childNodes.length > MAX_MESSAGES) {
      log.removeChild(log.firstChild);
    }
    renderQuickReplies();
    scrollToEnd();
  }

  var statusKey = ""; // the status line's string name, so a language switch re-words it

  function setStatus(key) {
    statusKey = key;
    var text = key ? texts[key] : "";
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  // Every label in the current language; the panel says which language it is in.
  function applyLanguage() {
    texts = textsFor(state.language);
    root.setAttribute("lang", state.language);
    launcherLabel.textContent = texts.launcher_label;
    title.textContent = texts.title;
    clearButton.textContent = texts.clear_button;
    closeButton.setAttribute("aria-label", texts.close_button_label);
    languageSwitch.setAttribute("aria-label", texts.switch_label);
    Object.keys(languageButtons).forEach(function (code) {
      languageButtons[code].setAttribute("aria-pressed", code === state.language ? "true" : "false");
    });
    notice.textContent = texts.intro_notice;
    log.setAttribute("aria-label", texts.log_label);
    quick.setAttribute("aria-label", texts.quick_replies_label);
    typing.textContent = texts.typing;
    inputLabel.textContent = texts.input_label;
    input.setAttribute("placeholder", texts.input_placeholder);
    sendButton.textContent = texts.send_button;
    hint.textContent = texts.keyboard_hint;
    // Re-worded in place, not re-added, so the log does not announce the conversation again.
    var whoNodes = log.querySelectorAll(".pump-chat__who");
    for (var i = 0; i < whoNodes.length; i++) {
      whoNodes[i].textContent = who(whoNodes[i].parentNode.classList.contains("pump-chat__msg--user"));
    }
    setStatus(statusKey);
  }

  // ---- connection -----------------------------------------------------------

  var socket = null;
  var ready = false; // session confirmed on the current connection
  var outbox = []; // messages typed before the session was confirmed
  var slowTimer = null;
  var requestedId = null; // the credential the last session_request asked for

  function requestSession(sessionId) {
    ready = false;
    requestedId = sessionId;
    socket.emit("session_request", { session_id: sessionId });
  }

  function connect() {
    if (socket || typeof window.io !== "function") {
      if (typeof window.io !== "function") {
        setStatus("status_load_failed");
      }
      return;
    }
    setStatus("status_connecting");
    socket = window.io(RASA_URL, {
      path: SOCKET_PATH,
      transports: ["websocket", "polling"],
      reconnectionDelayMax: 10000
    });

    socket.on("connect", function () {
      requestSession(state.sessionId);
    });

    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : data && data.session_id;
      if (!id) {
        return;
      }
      var isNew = id !== requestedId;
      state.sessionId = id;
      saveState();
      ready = true;
      setStatus("");
      // A new conversation answers in the default language: tell it the widget's, once.
      if (isNew && state.language !== DEFAULT_LANGUAGE && !outbox.some(isLanguagePayload)) {
        outbox.unshift(languagePayload(state.language));
      }
      flush();
    });

    socket.on("bot_uttered", function (data) {
      if (!data || typeof data !== "object") {
        return;
      }
      clearWaiting();
      if (ready) {
        setStatus("");
      }
      var replies = data.quick_replies || data.buttons || [];
      var buttons = (Array.isArray(replies) ? replies : [])
        .filter(function (b) { return b && typeof b.title === "string" && typeof b.payload === "string"; })
        .map(function (b) { return { title: b.title, payload: b.payload }; });
      var text = typeof data.text === "string" ? data.text : "";
      if (!text && data.attachment) {
        text = texts.attachment_unsupported;
      }
      if (text || buttons.length) {
        addMessage({ from: "bot", text: text, buttons: buttons });
      }
    });

    socket.on("disconnect", function () {
      ready = false;
      setStatus("status_reconnecting");
    });

    socket.on("connect_error", function () {
      ready = false;
      setStatus("status_unreachable");
    });
  }

  function flush() {
    while (ready && outbox.length) {
      socket.emit("user_uttered", { message: outbox.shift(), session_id: state.sessionId });
    }
  }

  function clearWaiting() {
    typing.hidden = true;
    if (slowTimer) {
      window.clearTimeout(slowTimer);
      slowTimer = null;
    }
  }

  function send(text, shownAs) {
    var message = String(text || "").trim().slice(0, MAX_LENGTH);
    if (!message) {
      return;
    }
    addMessage({ from: "user", text: shownAs || message });
    outbox.push(message);
    connect();
    flush();
    typing.hidden = false;
    if (slowTimer) {
      window.clearTimeout(slowTimer);
    }
    slowTimer = window.setTimeout(function () {
      typing.hidden = true;
      setStatus("status_no_answer");
    }, SLOW_REPLY_MS);
  }

  // ---- open, close, keyboard ----------------------------------------------------

  function setOpen(open, moveFocus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    root.classList.toggle("pump-chat--open", open);
    state.open = open;
    saveState();
    if (open) {
      connect();
      scrollToEnd();
      if (moveFocus) {
        input.focus();
      }
    } else if (moveFocus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () {
    setOpen(panel.hidden, true);
  });
  closeButton.addEventListener("click", function () {
    setOpen(false, true);
  });

  var openers = document.querySelectorAll("[data-open-chat]");
  for (var i = 0; i < openers.length; i++) {
    openers[i].addEventListener("click", function () {
      setOpen(true, true);
    });
  }

  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false, true);
    }
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });

  clearButton.addEventListener("click", function () {
    clearWaiting();
    outbox = [];
    state = emptyState(state.language);
    state.open = true;
    saveState();
    renderAll();
    if (socket && socket.connected) {
      requestSession(null); // a new conversation
    }
    setStatus("status_cleared");
    input.focus();
  });

  function chooseLanguage(code) {
    if (!knownLanguage(code) || code === state.language) {
      return;
    }
    state.language = code;
    saveState();
    applyLanguage();
    send(languagePayload(code), languageName(code));
  }

  applyLanguage();
  saveState();
  renderAll();
  if (state.open) {
    setOpen(true, false);
  }
})();
