// Rasa's socket.io channel: `session_request` / `session_confirm` with a session id kept by the page (so the
// conversation continues after a reload), `user_uttered` out, `bot_uttered` in, and from our channel
// `session_language` (the conversation's language after each turn) and `bad_request` (a message it could not read). Messages typed while the
// connection is down wait in a queue and leave once the session is confirmed again. Websocket first; where a
// proxy blocks websockets, HTTP long-polling: at once when the websocket fails (tryAllTransports), and after the
// first failed attempt when the websocket is cut before the handshake (see fallBackToPolling).

import { io } from "socket.io-client";

import { SERVER } from "./config.js";

const EVENTS = SERVER.events;

export class RasaSocket {
  constructor({ serverUrl, path = SERVER.socketPath, getSessionId, onBotMessage, onStatus, onLanguage = () => {}, onBadRequest = () => {} }) {
    this.getSessionId = getSessionId;
    this.onBotMessage = onBotMessage;
    this.onStatus = onStatus;
    this.confirmed = false;
    this.queue = [];
    this.socket = io(serverUrl, { path, transports: ["websocket", "polling"], tryAllTransports: true, autoConnect: false });
    this.socket.on("connect", () => this.requestSession());
    this.socket.on(EVENTS.sessionConfirm, (confirmed) => {
      const id = typeof confirmed === "string" ? confirmed : confirmed?.session_id;
      if (id !== this.getSessionId()) return; // an answer to a request made before "new conversation"
      this.confirmed = true;
      this.onStatus("online");
      this.flush();
    });
    this.socket.on(EVENTS.botMessage, (message) => this.onBotMessage(message));
    // After each turn, the language the conversation is in now (rasa_server/socketio.py).
    this.socket.on(EVENTS.language, (event) => onLanguage(event && event.language));
    this.socket.on(EVENTS.badRequest, (problem) => onBadRequest(problem));
    this.socket.on("disconnect", () => {
      this.confirmed = false;
      this.onStatus("offline");
    });
    this.socket.on("connect_error", () => {
      this.fallBackToPolling();
      this.onStatus("offline");
    });
  }

  /**
   * Start the next attempts with HTTP long-polling, which upgrades to a websocket only where one works.
   * engine.io's own fallback (tryAllTransports) covers a websocket that fails; a proxy that accepts it and then
   * closes it before the handshake only shows as a connection timeout, after which socket.io would retry the
   * websocket forever.
   */
  fallBackToPolling() {
    this.socket.io.opts.transports = ["polling", "websocket"];
  }

  connect() {
    this.onStatus("connecting");
    this.socket.connect();
  }

  requestSession() {
    this.confirmed = false;
    this.socket.emit(EVENTS.sessionRequest, { session_id: this.getSessionId() });
  }

  send(message, language) {
    this.queue.push({ message, language });
    this.flush();
  }

  flush() {
    if (!this.confirmed || !this.socket.connected) return;
    while (this.queue.length) {
      const { message, language } = this.queue.shift();
      this.socket.emit(EVENTS.userMessage, {
        message,
        session_id: this.getSessionId(),
        [SERVER.metadataKey]: { language },
      });
    }
  }

  /** After "new conversation": join the new session's room (the old one is left by reconnecting). */
  restart() {
    this.queue = [];
    this.confirmed = false;
    if (this.socket.connected) {
      this.socket.disconnect();
    }
    this.connect();
  }
}
