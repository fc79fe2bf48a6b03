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
 *
 * Configuration comes from /config.js (window.PUMP_CHAT_CONFIG), written by
 * bot/web/server.py from the environment.
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
  var clinicPhone = contacts.clinic_phone || "the clinic";

  // ---- stored state -------------------------------------------------------

  function emptyState() {
    return { sessionId: null, messages: [], open: false };
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
          open: saved.open === true
        };
      }
    } catch (err) {
      /* unreadable or unavailable storage: start fresh */
    }
    return emptyState();
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
  var launcherLabel = el("span", {}, "Chat with the pump assistant");
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
  header.appendChild(el("h2", { id: "pump-chat-title", "class": "pump-chat__title" }, "Pump program assistant"));
  var clearButton = el("button", { type: "button", "class": "pump-chat__clear" }, "Clear chat");
  var closeButton = el("button", { type: "button", "class": "pump-chat__close", "aria-label": "Close chat" });
  closeButton.appendChild(el("span", { "aria-hidden": "true" }, "\u00d7"));
  header.appendChild(clearButton);
  header.appendChild(closeButton);

  var notice = el("p", { id: "pump-chat-notice", "class": "pump-chat__notice" },
    "Ask about the pump program. Answers are general information, not medical advice. " +
    "In an emergency, call 911.");

  var log = el("div", {
    "class": "pump-chat__log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversation",
    tabindex: "0"
  });

  var quick = el("div", { "class": "pump-chat__quick", role: "group", "aria-label": "Suggested questions" });
  quick.hidden = true;

  var typing = el("p", { "class": "pump-chat__typing", "aria-hidden": "true" }, "The assistant is typing\u2026");
  typing.hidden = true;

  var status = el("p", { "class": "pump-chat__status", role: "status" });

  var form = el("form", { "class": "pump-chat__form" });
  form.appendChild(el("label", { "for": "pump-chat-input", "class": "visually-hidden" }, "Your message"));
  var input = el("textarea", {
    id: "pump-chat-input",
    "class": "pump-chat__input",
    rows: "2",
    maxlength: String(MAX_LENGTH),
    placeholder: "Type your question\u2026",
    "aria-describedby": "pump-chat-hint",
    autocomplete: "off"
  });
  form.appendChild(input);
  form.appendChild(el("button", { type: "submit", "class": "pump-chat__send" }, "Send"));
  form.appendChild(el("p", { id: "pump-chat-hint", "class": "visually-hidden" },
    "Press Enter to send, Shift and Enter for a new line, Escape to close the chat."));

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
    if (!mine && /^Source:/.test(message.text)) {
      classes += " pump-chat__msg--source";
    }
    if (!mine && /^Call 911/.test(message.text)) {
      classes += " pump-chat__msg--urgent";
    }
    var node = el("div", { "class": classes });
    node.appendChild(el("span", { "class": "visually-hidden" }, mine ? "You: " : "Assistant: "));
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

  function setStatus(text) {
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  // ---- connection -----------------------------------------------------------

  var socket = null;
  var ready = false; // session confirmed on the current connection
  var outbox = []; // messages typed before the session was confirmed
  var slowTimer = null;

  function connect() {
    if (socket || typeof window.io !== "function") {
      if (typeof window.io !== "function") {
        setStatus("The chat could not load. Please call the clinic at " + clinicPhone +
          ". In an emergency, call 911.");
      }
      return;
    }
    setStatus("Connecting\u2026");
    socket = window.io(RASA_URL, {
      path: SOCKET_PATH,
      transports: ["websocket", "polling"],
      reconnectionDelayMax: 10000
    });

    socket.on("connect", function () {
      ready = false;
      socket.emit("session_request", { session_id: state.sessionId });
    });

    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : data && data.session_id;
      if (!id) {
        return;
      }
      state.sessionId = id;
      saveState();
      ready = true;
      setStatus("");
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
        text = "(The assistant sent something this chat can't show.)";
      }
      if (text || buttons.length) {
        addMessage({ from: "bot", text: text, buttons: buttons });
      }
    });

    socket.on("disconnect", function () {
      ready = false;
      setStatus("Reconnecting\u2026");
    });

    socket.on("connect_error", function () {
      ready = false;
      setStatus("Can't reach the assistant right now; still trying. For questions, call the clinic at " +
        clinicPhone + ". In an emergency, call 911.");
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
      setStatus("No answer yet. Please try again, or call the clinic at " + clinicPhone +
        ". In an emergency, call 911.");
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
    state = emptyState();
    state.open = true;
    saveState();
    renderAll();
    if (socket && socket.connected) {
      ready = false;
      socket.emit("session_request", { session_id: null }); // a new conversation
    }
    setStatus("Chat cleared.");
    input.focus();
  });

  renderAll();
  if (state.open) {
    setOpen(true, false);
  }
})();
