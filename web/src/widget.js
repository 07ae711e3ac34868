// The chat widget: a launcher button and a chat panel in a shadow root (the host page's styles cannot break it,
// and ours cannot leak out). Every node is built with createElement/textContent; see markdown.js.

import { renderCostBreakdown } from "./chart.js";
import { SERVER } from "./config.js";
import { normaliseLanguage, STRINGS } from "./i18n.js";
import { downloadText, keptItem, linksOf, openPrintView } from "./keep.js";
import { externalLink, renderMarkdown, safeHref } from "./markdown.js";
import { entriesFromBotMessage } from "./messages.js";
import { ConversationStore } from "./store.js";
import { RasaSocket } from "./transport.js";
import styles from "./styles.css";

const TYPING_TIMEOUT_MS = 60000;
const TYPING_QUIET_MS = 1200;
const SWITCH_PAYLOAD = /^\/switch_language\{\s*"language"\s*:\s*"(en|fr)"\s*\}$/;
let instances = 0; // ids stay unique with several widgets on one page

function el(doc, tag, attributes = {}, text) {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  if (text !== undefined) element.textContent = text;
  return element;
}

export class ExpatSanteWidget {
  constructor({ serverUrl, language, socketPath = SERVER.socketPath, open = false, host, win = window }) {
    const base = safeHref(serverUrl);
    if (!base || !/^https?:/.test(base)) throw new Error("Expat Santé widget: serverUrl must be an http(s) URL");
    this.win = win;
    this.doc = win.document;
    this.serverUrl = base.replace(/\/$/, "");
    this.store = new ConversationStore(win, this.serverUrl);
    this.language = normaliseLanguage(this.store.state.language || language);
    this.store.state.language = this.language;
    this.store.hiddenToken = this.labels.hidden;
    if (open) this.store.state.open = true;
    this.host = host || this.doc.body.appendChild(el(this.doc, "div", { class: "expat-sante-widget" }));
    this.typingTimers = [];
    instances += 1;
    this.uid = `es-${instances}`;
    this.transport = new RasaSocket({
      serverUrl: this.serverUrl,
      path: socketPath,
      getSessionId: () => this.store.state.sessionId,
      onBotMessage: (message) => this.receive(message),
      onStatus: (status) => this.showStatus(status),
      onLanguage: (language) => this.followLanguage(language),
      onBadRequest: (problem) => this.showProblem(problem),
    });
  }

  get labels() {
    return STRINGS[this.language];
  }

  mount() {
    const doc = this.doc;
    const root = this.host.attachShadow ? this.host.attachShadow({ mode: "open" }) : this.host;
    const style = el(doc, "style");
    style.textContent = styles;
    root.appendChild(style);

    this.root = el(doc, "div", { class: "es-root" });
    const id = (name) => `${this.uid}-${name}`;
    this.launcher = el(doc, "button", { type: "button", class: "es-launcher", "aria-controls": id("panel") });
    this.launcherLabel = el(doc, "span");
    this.launcher.append(el(doc, "span", { class: "es-launcher-icon", "aria-hidden": "true" }, "💬"), this.launcherLabel);
    this.launcher.addEventListener("click", () => this.setOpen(!this.store.state.open));

    this.panel = el(doc, "section", { class: "es-panel", id: id("panel"), role: "region", "aria-labelledby": id("title") });
    const header = el(doc, "header", { class: "es-header" });
    const titles = el(doc, "div", { class: "es-titles" });
    this.titleElement = el(doc, "h2", { id: id("title") });
    this.subtitleElement = el(doc, "p", { class: "es-subtitle" });
    titles.append(this.titleElement, this.subtitleElement);
    const tools = el(doc, "div", { class: "es-tools" });
    this.languageButton = el(doc, "button", { type: "button", class: "es-tool es-lang" });
    this.languageButton.addEventListener("click", () => this.switchLanguage(this.language === "en" ? "fr" : "en"));
    this.newButton = el(doc, "button", { type: "button", class: "es-tool es-new" });
    this.newButton.addEventListener("click", () => this.newConversation());
    this.closeButton = el(doc, "button", { type: "button", class: "es-tool es-close" }, "×");
    this.closeButton.addEventListener("click", () => this.setOpen(false));
    tools.append(this.languageButton, this.newButton, this.closeButton);
    header.append(titles, tools);

    this.log = el(doc, "div", { class: "es-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0" });
    this.typing = el(doc, "div", { class: "es-typing", hidden: true });
    this.typingText = el(doc, "span", { class: "es-sr-only" });
    this.typing.append(el(doc, "span", { class: "es-dots", "aria-hidden": "true" }, "• • •"), this.typingText);
    this.status = el(doc, "p", { class: "es-status", role: "status", "aria-live": "polite" });

    this.form = el(doc, "form", { class: "es-form" });
    this.inputLabel = el(doc, "label", { for: id("input"), class: "es-sr-only" });
    this.input = el(doc, "textarea", { id: id("input"), class: "es-input", rows: "2", maxlength: String(SERVER.maxMessageChars), autocomplete: "off" });
    this.sendButton = el(doc, "button", { type: "submit", class: "es-send" });
    this.form.append(this.inputLabel, this.input, this.sendButton);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTyped();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendTyped();
      }
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.setOpen(false);
        this.launcher.focus();
      }
    });

    this.panel.append(header, this.log, this.typing, this.status, this.form);
    this.root.append(this.launcher, this.panel);
    root.appendChild(this.root);

    this.applyLanguage();
    this.renderHistory();
    this.setOpen(this.store.state.open, { focus: false });
    this.transport.connect();
    return this;
  }

  // ----- chrome and language

  applyLanguage() {
    const l = this.labels;
    this.root.setAttribute("lang", this.language);
    this.launcherLabel.textContent = l.title;
    this.launcher.setAttribute("aria-label", l.openChat);
    this.titleElement.textContent = l.title;
    this.subtitleElement.textContent = l.subtitle;
    // "Français – the assistant will answer in French": each part marked with its own language.
    const other = this.language === "en" ? "fr" : "en";
    this.languageButton.replaceChildren(
      el(this.doc, "span", { lang: other }, l.languageToggle),
      el(this.doc, "span", { class: "es-sr-only", lang: this.language }, l.languageToggleHint),
    );
    this.newButton.textContent = l.newConversation;
    this.closeButton.setAttribute("aria-label", l.closeChat);
    this.log.setAttribute("aria-label", l.messages);
    this.inputLabel.textContent = l.inputLabel;
    this.input.setAttribute("placeholder", l.inputPlaceholder);
    this.sendButton.textContent = l.send;
    this.typingText.textContent = l.typing;
    this.store.hiddenToken = l.hidden;
    const welcome = this.log.querySelector(".es-welcome");
    if (welcome) welcome.replaceWith(this.welcomeElement());
  }

  switchLanguage(language) {
    if (!this.setLanguage(language)) return;
    // An explicit switch, which the bot confirms in the new language (see data/ and domain.yml).
    this.post(`/switch_language{"language": "${this.language}"}`);
  }

  /** The interface in `language` (and a note saying so); false when it already was. */
  setLanguage(language) {
    const next = normaliseLanguage(language, this.language);
    if (next === this.language) return false;
    this.language = next;
    this.store.state.language = next;
    this.applyLanguage();
    this.rerenderLog(); // speaker names, times and labels in the new language
    this.addEntry({ from: "system", kind: "note", text: this.labels.languageNote, lang: next });
    return true;
  }

  rerenderLog() {
    this.log.replaceChildren();
    this.renderHistory();
  }

  /**
   * The server's `session_language` after a turn: the language the conversation is in now (the user wrote in the
   * other one, or asked to switch). The bot messages of that turn are marked with it, and the interface follows.
   */
  followLanguage(language) {
    const reported = normaliseLanguage(language, "");
    if (!reported) return;
    const entries = this.store.state.entries;
    const stamped = [];
    for (let index = entries.length - 1; index >= 0 && entries[index].from !== "user"; index -= 1) {
      const entry = entries[index];
      if (entry.from === "bot" && !entry.lang) {
        entry.lang = reported;
        stamped.push(entry);
      }
    }
    if (stamped.length) this.store.save();
    if (this.setLanguage(reported)) return; // the whole log is drawn again
    for (const entry of stamped) {
      const old = this.log.querySelector(`[data-entry="${entry.id}"]`);
      if (old) old.replaceWith(this.renderEntry(entry));
    }
  }

  /** A message the server could not read (socket.io `bad_request`): said in the conversation, typing stops. */
  showProblem(problem) {
    const text = problem && typeof problem.message === "string" ? problem.message.slice(0, 1000) : "";
    this.stopTyping();
    if (text) this.addEntry({ from: "system", kind: "note", text });
  }

  setOpen(open, { focus = true } = {}) {
    this.store.state.open = open;
    this.store.save();
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.root.classList.toggle("es-is-open", open);
    if (open) {
      this.scrollToEnd();
      if (focus) this.input.focus();
    }
  }

  showStatus(status) {
    const text = { connecting: this.labels.connecting, offline: this.labels.offline, online: "" }[status] ?? "";
    this.status.textContent = text;
    this.status.dataset.state = status;
  }

  // ----- conversation

  newConversation() {
    this.startOver();
    this.renderHistory();
    this.status.textContent = this.labels.newConversationDone;
    this.input.focus();
  }

  /** A new session id, nothing left of the old conversation in storage or on the page. */
  startOver() {
    this.store.restart();
    this.stopTyping();
    this.log.replaceChildren();
    this.transport.restart();
  }

  /**
   * The bot confirmed "delete my data" (its message carries `forget`): the server has deleted the conversation, so
   * the browser forgets it too. The confirmation is shown, and not stored: after a reload the page is empty.
   */
  forgetConversation(entries) {
    this.startOver();
    const at = new Date().toISOString();
    for (const entry of entries) {
      this.log.appendChild(this.renderEntry({ id: `forgotten-${Math.random().toString(36).slice(2, 8)}`, at, from: "bot", ...entry, buttons: [] }));
    }
    this.log.appendChild(this.renderEntry({ id: "forgotten-note", at, from: "system", kind: "note", text: this.labels.forgotten }));
    this.scrollToEnd();
  }

  sendTyped() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.addEntry({ from: "user", kind: "text", text });
    this.post(text);
  }

  post(message) {
    this.answerPendingButtons(null);
    this.transport.send(message, this.language);
    this.startTyping();
  }

  receive(message) {
    const entries = entriesFromBotMessage(message);
    if (message && message.forget === true) {
      this.forgetConversation(entries);
      return;
    }
    if (entries.length) this.noteBotActivity();
    for (const entry of entries) this.addEntry({ from: "bot", ...entry });
  }

  addEntry(entry) {
    const full = { id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, at: new Date().toISOString(), ...entry };
    if (full.buttons && full.buttons.length) full.answered = null;
    this.store.add(full);
    this.log.querySelector(".es-welcome")?.remove();
    this.log.appendChild(this.renderEntry(full));
    this.scrollToEnd();
  }

  renderHistory() {
    const entries = this.store.state.entries;
    if (!entries.length) this.log.appendChild(this.welcomeElement());
    for (const entry of entries) this.log.appendChild(this.renderEntry(entry));
    this.scrollToEnd();
  }

  welcomeElement() {
    const welcome = el(this.doc, "div", { class: "es-msg es-from-bot es-welcome" });
    welcome.appendChild(renderMarkdown(this.doc, this.labels.welcome));
    return welcome;
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // ----- rendering one entry

  renderEntry(entry) {
    const doc = this.doc;
    const from = ["user", "bot", "system"].includes(entry.from) ? entry.from : "bot";
    // A bot message marked with its language is labelled in that language ("Assistant", "Source", "opens in a new
    // tab"), like its text; a letter is French whatever the user speaks, so its buttons stay in the UI's language.
    const l = (from === "bot" && entry.kind !== "letter" && STRINGS[entry.lang]) || this.labels;
    const item = el(doc, "div", { class: `es-msg es-from-${from} es-kind-${entry.kind}`, "data-entry": entry.id });
    if (entry.lang) item.setAttribute("lang", entry.lang);
    if (from !== "system") item.appendChild(el(doc, "span", { class: "es-sr-only" }, `${from === "user" ? l.you : l.assistant}: `));

    const body = el(doc, "div", { class: "es-body" });
    if (entry.kind === "text" || entry.kind === "note") {
      if (from === "user" || from === "system") {
        const p = el(doc, "p", { class: "es-plain" }, entry.text); // user text is never markdown
        body.appendChild(p);
      } else if (entry.text) {
        body.appendChild(renderMarkdown(doc, entry.text, l));
      }
      if (entry.buttons && entry.buttons.length) body.appendChild(this.renderButtons(entry));
      if (from === "bot" && entry.keep === "checklist") body.appendChild(this.renderKeepTools(entry, "checklist", l));
    } else if (entry.kind === "citation") {
      body.appendChild(this.renderCitation(entry, l));
    } else if (entry.kind === "cost") {
      // The figure is marked with the payload's language: its labels are in that language too.
      body.appendChild(renderCostBreakdown(doc, entry, STRINGS[entry.lang] || l));
    } else if (entry.kind === "letter") {
      body.appendChild(this.renderLetter(entry));
    }
    item.appendChild(body);
    if (from !== "system") item.appendChild(this.renderTime(entry.at));
    return item;
  }

  renderTime(at) {
    const date = new Date(at);
    const time = el(this.doc, "time", { class: "es-time" });
    if (!Number.isNaN(date.getTime())) {
      time.setAttribute("datetime", date.toISOString());
      time.textContent = new Intl.DateTimeFormat(this.language === "fr" ? "fr-FR" : "en-GB", {
        hour: "2-digit",
        minute: "2-digit",
      }).format(date);
      time.setAttribute("title", date.toLocaleString(this.language === "fr" ? "fr-FR" : "en-GB"));
    }
    return time;
  }

  renderButtons(entry) {
    const group = el(this.doc, "div", { class: "es-buttons", role: "group" });
    for (const button of entry.buttons) {
      const answered = entry.answered !== null && entry.answered !== undefined;
      const chosen = answered && entry.answered === button.payload;
      const element = el(this.doc, "button", {
        type: "button",
        class: `es-choice${chosen ? " es-chosen" : ""}`,
        disabled: answered,
        "aria-pressed": answered ? String(chosen) : null,
      }, button.title);
      element.addEventListener("click", () => {
        this.answerPendingButtons(button.payload);
        this.addEntry({ from: "user", kind: "text", text: button.title });
        // A language button of the bot's also switches the UI, so that both keep speaking the same language.
        const switchTo = SWITCH_PAYLOAD.exec(button.payload);
        if (switchTo && switchTo[1] !== this.language) {
          this.language = switchTo[1];
          this.store.state.language = this.language;
          this.applyLanguage();
          this.store.save();
        }
        this.transport.send(button.payload, this.language);
        this.startTyping();
        this.input.focus();
      });
      group.appendChild(element);
    }
    return group;
  }

  /** Buttons stay usable until the user answers (by clicking one or by typing); then they are kept, disabled. */
  answerPendingButtons(payload) {
    let changed = false;
    for (const entry of this.store.state.entries) {
      if (entry.buttons && entry.buttons.length && (entry.answered === null || entry.answered === undefined)) {
        entry.answered = payload ?? "";
        changed = true;
        const old = this.log.querySelector(`[data-entry="${entry.id}"]`);
        if (old) old.replaceWith(this.renderEntry(entry));
      }
    }
    if (changed) this.store.save();
  }

  renderCitation(entry, l = this.labels) {
    const p = el(this.doc, "p", { class: "es-citation" });
    p.appendChild(el(this.doc, "span", { class: "es-citation-label" }, `${l.source} `));
    const href = safeHref(entry.source);
    const label = entry.title || entry.source;
    if (href) p.appendChild(externalLink(this.doc, href, label, l));
    else p.appendChild(this.doc.createTextNode(label));
    if (entry.lastReviewed) p.appendChild(this.doc.createTextNode(` (${l.reviewed} ${entry.lastReviewed})`));
    return p;
  }

  renderLetter(entry) {
    const l = this.labels;
    const box = el(this.doc, "div", { class: "es-letter" });
    box.appendChild(el(this.doc, "p", { class: "es-letter-title" }, entry.title || l.letterTitle));
    const text = el(this.doc, "pre", { class: "es-letter-text", tabindex: "0" }, entry.text);
    const copy = el(this.doc, "button", { type: "button", class: "es-copy" }, l.copy);
    copy.addEventListener("click", async () => {
      const ok = await this.copyText(entry.text);
      this.status.textContent = ok ? this.labels.copied : this.labels.copyFailed;
    });
    const tools = this.renderKeepTools(entry, "letter");
    tools.setAttribute("lang", this.language);
    tools.prepend(copy);
    box.append(text, tools);
    return box;
  }

  // ----- keeping the checklist and the letter: a printable view and a plain-text file

  renderKeepTools(entry, kind, l = this.labels) {
    const group = el(this.doc, "div", { class: "es-keep", role: "group" });
    const print = el(this.doc, "button", { type: "button", class: "es-keep-print" }, l.print);
    print.appendChild(el(this.doc, "span", { class: "es-sr-only" }, kind === "checklist" ? l.printChecklist : l.printLetter));
    const save = el(this.doc, "button", { type: "button", class: "es-keep-save" }, l.saveText);
    save.appendChild(el(this.doc, "span", { class: "es-sr-only" }, kind === "checklist" ? l.saveChecklist : l.saveLetter));
    print.addEventListener("click", () => {
      const item = this.keptItemOf(entry, kind);
      if (!openPrintView(this.win, item)) {
        downloadText(this.win, item);
        this.status.textContent = l.popupBlocked;
      }
    });
    save.addEventListener("click", () => {
      downloadText(this.win, this.keptItemOf(entry, kind));
      this.status.textContent = l.saved;
    });
    group.append(print, save);
    return group;
  }

  /** The checklist or letter of `entry` in its own language, with the sources of the answer it came in. */
  keptItemOf(entry, kind) {
    const entries = this.store.state.entries;
    let index = entries.findIndex((e) => e.id === entry.id);
    const sources = [];
    if (index !== -1) {
      // The answer it belongs to: from the user's last message before it to the user's next one.
      let first = index;
      while (first > 0 && entries[first - 1].from !== "user") first -= 1;
      for (index = first; index < entries.length && (index === first || entries[index].from !== "user"); index += 1) {
        const other = entries[index];
        if (other.from !== "bot" || other === entry) continue;
        if (other.kind === "citation" && safeHref(other.source)) sources.push({ title: other.title || other.source, href: safeHref(other.source) });
        if (other.kind === "text" && other.text) sources.push(...linksOf(other.text));
      }
    }
    const lang = normaliseLanguage(entry.lang || this.language);
    // A checklist carries its own sources; a letter gets those of the advice it came with.
    return keptItem({ kind, lang, title: kind === "letter" ? entry.title : "", text: entry.text, sources: kind === "letter" ? sources : [] });
  }

  async copyText(text) {
    try {
      if (this.win.navigator.clipboard && this.win.isSecureContext) {
        await this.win.navigator.clipboard.writeText(text);
        return true;
      }
    } catch {
      // fall back below
    }
    const area = el(this.doc, "textarea", { class: "es-offscreen", readonly: true });
    area.value = text;
    this.root.appendChild(area);
    area.select();
    let ok;
    try {
      ok = this.doc.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }

  // ----- typing indicator: from a message sent until the bot has been quiet for a moment

  startTyping() {
    this.stopTyping();
    this.typing.hidden = false;
    this.typingTimers.push(setTimeout(() => this.stopTyping(), TYPING_TIMEOUT_MS));
  }

  noteBotActivity() {
    if (this.typing.hidden) return;
    this.typingTimers.forEach(clearTimeout);
    this.typingTimers = [setTimeout(() => this.stopTyping(), TYPING_QUIET_MS)];
  }

  stopTyping() {
    this.typingTimers.forEach(clearTimeout);
    this.typingTimers = [];
    this.typing.hidden = true;
  }
}
