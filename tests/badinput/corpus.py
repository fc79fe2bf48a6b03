"""The bad-input corpus: what families' phones, browsers and strangers may send.

Data only; tests/badinput/test_bad_input.py sends it over REST, socket.io and SMS.
Every entry is (name, value); the names become the test ids.
"""

import json

TEN_KB = 10 * 1024

# ---- message texts: sent as the message on every channel ----------------------------

TEXTS = [
    ("empty", ""),
    ("space", " "),
    ("whitespace-mix", " \t\n\r\n  \u00a0\u2003"),
    ("newlines-only", "\n" * 200),
    ("10kB-words", ("what is the saline week " * (TEN_KB // 24 + 1))[:TEN_KB]),
    ("10kB-one-token", "a" * TEN_KB),
    ("10kB-digits", ("45 " * (TEN_KB // 3 + 1))[:TEN_KB]),
    ("nul", "\x00"),
    ("control-chars", "".join(chr(c) for c in range(1, 32)) + "\x7f"),
    ("nul-inside-question", "what is the\x00 saline week"),
    ("ansi-escape", "\x1b[31mred\x1b[0m \x1b]0;title\x07"),
    ("bidi-override", "\u202ekeew enilas\u202c \u2066x\u2069"),
    ("zero-width-and-bom", "\ufeff\u200b\u200c\u200d\u2060"),
    ("c1-controls", "\x85\x9b\x9c"),
    ("emoji", "🙂"),
    ("emoji-zwj-family", "👨‍👩‍👧‍👦 pump?? 💉💉 🏳️‍🌈"),
    ("emoji-only-many", "🔥" * 500),
    ("non-latin", "什么是盐水周 ما هو أسبوع المحلول الملحي Что такое неделя"),
    ("combining-marks", "Z\u0351\u0308\u0310a\u0337\u0322l\u0336g\u0335o" * 50),
    ("html-script", "<script>alert(1)</script>"),
    ("html-img", '<img src=x onerror="alert(document.cookie)">'),
    ("html-wrapped-question", "<b>what is the saline week</b>"),
    ("html-entities", "&lt;&gt;&amp;&#0;&#x0;&#xD800;"),
    ("sql-drop", "'; DROP TABLE events; --"),
    ("sql-or", "1' OR '1'='1"),
    ("sql-union", '" UNION SELECT sender_id, data FROM events --'),
    ("template-braces", "{clinic_phone} {0} %s %(x)s ${HOME} {{7*7}}"),
    ("json-text", '{"sender": "x", "message": "hi"}'),
    ("slash", "/"),
    ("unknown-intent-payload", "/ask_nothing_like_this"),
    ("payload-bad-entities", '/ask_saline_week{"a": '),
    ("payload-with-entities", '/greet{"escalation_reading": "abc"}'),
    ("payload-escalation-intent", "/escalate_clinic"),
    ("restart-command", "/restart"),
    ("sms-keyword-lookalike", "STOP!!!! HELP"),
    ("path-traversal", "../../../../etc/passwd"),
    ("number-huge", "my son's sugar is 1" + "0" * 400),
    ("number-negative", "sugar is -45 and 1e308 and NaN"),
]

# A lone UTF-16 surrogate is valid JSON ("\ud800") but not UTF-8: REST and
# socket.io carry it, a form post (SMS) cannot.
JSON_ONLY_TEXTS = [
    ("lone-surrogate", "what is the \ud800 saline week"),
    ("lone-low-surrogate", "\udfff"),
]

# ---- REST: JSON bodies of the wrong shape ----------------------------------------------

REST_JSON_BODIES = [
    ("no-fields", {}),
    ("no-sender", {"message": "what is the saline week"}),
    ("no-message", {"sender": "badinput-no-message"}),
    ("message-null", {"sender": "badinput-m-null", "message": None}),
    ("message-number", {"sender": "badinput-m-number", "message": 123}),
    ("message-float-nan", {"sender": "badinput-m-nan", "message": float("nan")}),
    ("message-bool", {"sender": "badinput-m-bool", "message": True}),
    ("message-list", {"sender": "badinput-m-list", "message": ["what", "is"]}),
    ("message-object", {"sender": "badinput-m-object", "message": {"text": "hi"}}),
    ("sender-null", {"sender": None, "message": "hi"}),
    ("sender-number", {"sender": 42, "message": "hi"}),
    ("sender-list", {"sender": ["a", "b"], "message": "hi"}),
    ("sender-object", {"sender": {"id": 1}, "message": "hi"}),
    ("sender-empty", {"sender": "", "message": "hi"}),
    ("sender-10kB", {"sender": "s" * TEN_KB, "message": "hi"}),
    ("sender-control-chars", {"sender": "a\x00b\n\x1b", "message": "hi"}),
    ("sender-sql", {"sender": "x' OR '1'='1", "message": "hi"}),
    ("sender-path", {"sender": "../../etc/passwd", "message": "hi"}),
    ("metadata-string", {"sender": "badinput-md-str", "message": "hi", "metadata": "nope"}),
    ("metadata-list", {"sender": "badinput-md-list", "message": "hi", "metadata": [1, 2]}),
    ("metadata-deep", {"sender": "badinput-md-deep", "message": "hi", "metadata": {"a": {"b": {"c": [None] * 50}}}}),
    ("input-channel-object", {"sender": "badinput-ic", "message": "hi", "input_channel": {"x": 1}}),
    ("input-channel-sms", {"sender": "badinput-ic-sms", "message": "hi", "input_channel": "sms"}),
    ("extra-fields", {"sender": "badinput-extra", "message": "hi", "__proto__": {"x": 1}, "parse_data": {}}),
]

# ---- REST: raw bodies (not JSON, or JSON that is not an object) ------------------------
# (name, body bytes, Content-Type or None for no header)

_VALID = json.dumps({"sender": "badinput-ct", "message": "what is the saline week"}).encode()

REST_RAW_BODIES = [
    ("empty-body", b"", "application/json"),
    ("empty-body-no-type", b"", None),
    ("truncated", b'{"sender": "x", "message": "hi', "application/json"),
    ("single-quotes", b"{'sender': 'x', 'message': 'hi'}", "application/json"),
    ("trailing-comma", b'{"sender": "x", "message": "hi",}', "application/json"),
    ("plain-words", b"what is the saline week", "application/json"),
    ("json-null", b"null", "application/json"),
    ("json-true", b"true", "application/json"),
    ("json-number", b"123", "application/json"),
    ("json-string", b'"what is the saline week"', "application/json"),
    ("json-array", b'[{"sender": "x", "message": "hi"}]', "application/json"),
    ("json-nan-literal", b'{"sender": "badinput-nan-lit", "message": NaN}', "application/json"),
    ("duplicate-keys", b'{"sender": "badinput-dup", "message": "hi", "message": null}', "application/json"),
    ("deep-nesting", b"[" * 100000 + b"]" * 100000, "application/json"),
    (
        "deep-nesting-in-object",
        b'{"sender": "badinput-deep", "message": "hi", "metadata": ' + b"[" * 50000 + b"]" * 50000 + b"}",
        "application/json",
    ),
    ("invalid-utf8", b'{"sender": "badinput-utf8", "message": "\xff\xfe\xc3("}', "application/json"),
    ("utf16-bom", '{"sender": "badinput-u16", "message": "hi"}'.encode("utf-16"), "application/json"),
    ("nul-bytes", b'{"sender": "x", "message": "hi"}\x00\x00', "application/json"),
    ("bad-escape", b'{"sender": "x", "message": "\\x41 \\u12"}', "application/json"),
    # the wrong content type
    ("valid-json-as-text-plain", _VALID, "text/plain"),
    ("valid-json-no-type", _VALID, None),
    ("form-encoded", b"sender=badinput-form&message=what+is+the+saline+week", "application/x-www-form-urlencoded"),
    (
        "multipart",
        b'--XyZ\r\nContent-Disposition: form-data; name="message"\r\n\r\nhi\r\n--XyZ--\r\n',
        "multipart/form-data; boundary=XyZ",
    ),
    ("multipart-no-boundary", b"--XyZ\r\n\r\nhi\r\n--XyZ--\r\n", "multipart/form-data"),
    ("xml", b"<?xml version='1.0'?><message sender='x'>hi</message>", "application/xml"),
    ("binary", bytes(range(256)), "application/octet-stream"),
    ("json-with-bad-charset", _VALID, "application/json; charset=klingon"),
]

# ---- socket.io: event payloads of the wrong shape -----------------------------------------
# (name, event, payload); "SESSION" in a payload is replaced by the confirmed session id.
# NO_PAYLOAD means the event is emitted without any data argument.

NO_PAYLOAD = object()

SOCKETIO_PAYLOADS = [
    ("message-no-payload", "user_uttered", NO_PAYLOAD),
    ("message-null", "user_uttered", None),
    ("message-string", "user_uttered", "what is the saline week"),
    ("message-number", "user_uttered", 42),
    ("message-list", "user_uttered", ["what is the saline week"]),
    ("message-empty-object", "user_uttered", {}),
    ("message-without-session", "user_uttered", {"message": "what is the saline week"}),
    ("message-missing-text", "user_uttered", {"session_id": "SESSION"}),
    ("message-text-null", "user_uttered", {"message": None, "session_id": "SESSION"}),
    ("message-text-number", "user_uttered", {"message": 123, "session_id": "SESSION"}),
    ("message-text-list", "user_uttered", {"message": ["a"], "session_id": "SESSION"}),
    ("message-text-object", "user_uttered", {"message": {"a": 1}, "session_id": "SESSION"}),
    ("session-id-number", "user_uttered", {"message": "hi", "session_id": 12345}),
    ("session-id-list", "user_uttered", {"message": "hi", "session_id": ["a"]}),
    ("session-id-object", "user_uttered", {"message": "hi", "session_id": {"a": 1}}),
    ("session-id-10kB", "user_uttered", {"message": "hi", "session_id": "s" * TEN_KB}),
    ("metadata-not-json", "user_uttered", {"message": "hi", "session_id": "SESSION", "metadata": "{not json"}),
    ("metadata-json-list", "user_uttered", {"message": "hi", "session_id": "SESSION", "metadata": "[1, 2]"}),
    ("metadata-number", "user_uttered", {"message": "hi", "session_id": "SESSION", "metadata": 7}),
    ("session-request-no-payload", "session_request", NO_PAYLOAD),
    ("session-request-string", "session_request", "session_id"),
    ("session-request-list", "session_request", ["x"]),
    ("session-request-number", "session_request", 7),
    ("session-request-id-object", "session_request", {"session_id": {"a": 1}}),
    ("session-request-id-list", "session_request", {"session_id": ["a"]}),
    ("session-request-id-number", "session_request", {"session_id": 99}),
    ("unknown-event", "no_such_event", {"message": "hi"}),
    ("bot-event-from-client", "bot_uttered", {"text": "I am the bot"}),
]

# ---- SMS: form posts with odd fields (signed correctly unless said otherwise) ------------
# (name, fields to override in a normal inbound form; None removes the field)

SMS_FORM_VARIANTS = [
    ("no-body-field", {"Body": None}),
    ("no-from", {"From": None}),
    ("empty-from", {"From": ""}),
    ("from-not-a-number", {"From": "<script>alert(1)</script>"}),
    ("from-10kB", {"From": "+1" + "5" * TEN_KB}),
    ("from-control-chars", {"From": "+1555\x00\x1b0100"}),
    ("no-message-sid", {"MessageSid": None}),
    ("message-sid-10kB", {"MessageSid": "SM" + "f" * TEN_KB}),
    ("message-sid-sql", {"MessageSid": "SM'; DROP TABLE sms_seen_messages; --"}),
    ("num-media-garbage", {"NumMedia": "many", "MediaUrl0": "javascript:alert(1)"}),
    ("extra-fields", {"X": "y" * 1000, "Body[]": "odd", "__proto__": "x"}),
]

# (name, raw body, Content-Type, signature header or None): not properly signed, must be 4xx.
SMS_RAW_POSTS = [
    ("empty-unsigned", b"", "application/x-www-form-urlencoded", None),
    ("empty-signed-garbage", b"", "application/x-www-form-urlencoded", "garbage"),
    ("json-body", b'{"From": "+15550100900", "Body": "hi"}', "application/json", "c2lnbmF0dXJl"),
    (
        "invalid-utf8",
        b"From=%2B15550100900&Body=\xff\xfe&MessageSid=SMx",
        "application/x-www-form-urlencoded",
        "c2lnbmF0dXJl",
    ),
    (
        "signature-non-ascii",
        b"From=%2B15550100900&Body=hi&MessageSid=SMy",
        "application/x-www-form-urlencoded",
        "sïgnätürë🙂",
    ),
    (
        "signature-10kB",
        b"From=%2B15550100900&Body=hi&MessageSid=SMz",
        "application/x-www-form-urlencoded",
        "A" * TEN_KB,
    ),
    ("broken-percent-encoding", b"From=%2&Body=%ZZ%&MessageSid=%", "application/x-www-form-urlencoded", "x"),
    ("binary", bytes(range(256)), "application/octet-stream", "x"),
    (
        "multipart",
        b'--B\r\nContent-Disposition: form-data; name="Body"\r\n\r\nhi\r\n--B--\r\n',
        "multipart/form-data; boundary=B",
        "x",
    ),
]
