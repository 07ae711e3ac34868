// What the widget has to agree on with the server, in one place. Each value mirrors a server-side setting or name
// (given next to it): change both together. The server's address has no default here: the page gives it
// (data-server-url, or ExpatSante.init({serverUrl})); the demo page gets it from scripts/web_serve.py.

export const SERVER = Object.freeze({
  /** socket.io path: Rasa's SocketIOInput default (no `socketio_path` in credentials.yml); a page can override it. */
  socketPath: "/socket.io",
  /** The longest message the server reads: MAX_MESSAGE_CHARS (bot/settings.py, default 2000); the input's maxlength. */
  maxMessageChars: 2000,
  /** The interface's language when neither the page nor the browser says one: DEFAULT_LANGUAGE (bot/settings.py). */
  defaultLanguage: "en",
  /** Where the message's language goes in `user_uttered`: `metadata_key` in credentials.yml. */
  metadataKey: "customData",
  /** socket.io events. */
  events: Object.freeze({
    userMessage: "user_uttered", // credentials.yml user_message_evt
    botMessage: "bot_uttered", // credentials.yml bot_message_evt
    sessionRequest: "session_request", // fixed by Rasa's socket.io channel
    sessionConfirm: "session_confirm", // fixed by Rasa's socket.io channel
    language: "session_language", // rasa_server/socketio.py LANGUAGE_EVENT
    badRequest: "bad_request", // rasa_server/socketio.py BAD_REQUEST_EVENT
  }),
});
