// The conversation kept in the browser (localStorage) so that it survives a reload: the session id the server
// knows the conversation by, the UI language, and the rendered history (personal data masked, bounded length).

import { maskPersonalData } from "./privacy.js";

const VERSION = 1;
const MAX_ENTRIES = 200;

function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // randomUUID needs a secure context; this does not
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function storageOf(win) {
  try {
    const storage = win.localStorage;
    const probe = "__es_probe__";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return null; // private mode or storage disabled: the conversation lasts as long as the page
  }
}

export class ConversationStore {
  constructor(win, serverUrl, hiddenToken = "[hidden]") {
    this.storage = storageOf(win);
    this.key = `expat-sante-widget:v${VERSION}:${serverUrl}`;
    this.hiddenToken = hiddenToken;
    this.state = this.load();
  }

  load() {
    let saved;
    try {
      saved = JSON.parse(this.storage?.getItem(this.key) || "null");
    } catch {
      saved = null;
    }
    const valid = saved && typeof saved.sessionId === "string" && /^[0-9a-f]{8,64}$/.test(saved.sessionId);
    return {
      sessionId: valid ? saved.sessionId : newSessionId(),
      language: valid && typeof saved.language === "string" ? saved.language : null,
      open: valid ? Boolean(saved.open) : false,
      entries: valid && Array.isArray(saved.entries) ? saved.entries.slice(-MAX_ENTRIES) : [],
    };
  }

  save() {
    if (!this.storage) return;
    const entries = this.state.entries.slice(-MAX_ENTRIES).map((entry) => this.forStorage(entry));
    try {
      this.storage.setItem(this.key, JSON.stringify({ ...this.state, entries }));
    } catch {
      // quota exceeded: keep the newest half
      this.state.entries = this.state.entries.slice(-MAX_ENTRIES / 2);
    }
  }

  forStorage(entry) {
    if (entry.from === "user" || entry.kind === "letter") {
      return { ...entry, text: maskPersonalData(entry.text, this.hiddenToken) };
    }
    return entry;
  }

  add(entry) {
    this.state.entries.push(entry);
    if (this.state.entries.length > MAX_ENTRIES) this.state.entries.shift();
    this.save();
  }

  restart() {
    this.state = { ...this.state, sessionId: newSessionId(), entries: [] };
    this.save();
  }
}
