// What the server sends on `bot_uttered`, turned into the entries the widget renders and stores.
// Anything unexpected is dropped rather than shown half-broken: unknown custom payloads are ignored.

import { normaliseLanguage } from "./i18n.js";

const MAX_TEXT = 20000;
const COST_PARTS = ["statutory", "complementary", "you"];

function str(value, max = 2000) {
  return typeof value === "string" ? value.slice(0, max) : "";
}

function num(value) {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

function buttonsOf(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b === "object")
    .map((b) => ({ title: str(b.title, 200), payload: str(b.payload, 2000) }))
    .filter((b) => b.title && b.payload)
    .slice(0, 12);
}

function customEntry(custom) {
  if (!custom || typeof custom !== "object") return null;
  if (custom.type === "citation") {
    const source = str(custom.source, 2000);
    if (!source && !str(custom.title)) return null;
    return {
      kind: "citation",
      id: str(custom.id, 200),
      lang: normaliseLanguage(custom.lang),
      title: str(custom.title, 500),
      source,
      lastReviewed: str(custom.last_reviewed, 40),
    };
  }
  if (custom.type === "cost_breakdown") {
    const parts = (Array.isArray(custom.parts) ? custom.parts : [])
      .filter((p) => p && typeof p === "object" && num(p.amount) !== null)
      .slice(0, 8)
      .map((p) => ({
        part: COST_PARTS.includes(p.part) ? p.part : "other",
        label: str(p.label, 200) || str(p.part, 50),
        amount: Math.max(0, num(p.amount)),
        percent: num(p.percent),
      }));
    if (!parts.length) return null;
    return {
      kind: "cost",
      lang: normaliseLanguage(custom.lang),
      care: str(custom.care, 100),
      date: str(custom.date, 40),
      currency: /^[A-Z]{3}$/.test(custom.currency || "") ? custom.currency : "EUR",
      billed: num(custom.billed),
      parts,
      text: str(custom.text, MAX_TEXT),
      // "How this is calculated": the steps, assumptions and rules with their dates and sources (CommonMark).
      details: str(custom.details, MAX_TEXT),
    };
  }
  if (custom.type === "letter") {
    const text = str(custom.text, MAX_TEXT);
    if (!text) return null;
    return { kind: "letter", lang: normaliseLanguage(custom.lang, "fr"), title: str(custom.title, 300), text };
  }
  return null;
}

/** Entries for one `bot_uttered` event (our server sends `custom` as a key; stock Rasa spreads it at the top). */
export function entriesFromBotMessage(message) {
  if (!message || typeof message !== "object") return [];
  const entries = [];
  const text = str(message.text, MAX_TEXT);
  const buttons = buttonsOf(message.buttons || message.quick_replies);
  if (text || buttons.length) {
    const entry = { kind: "text", text, buttons };
    if (message.keep === "checklist") entry.keep = "checklist"; // our channel marks the personal checklist
    entries.push(entry);
  }
  const custom = "custom" in message ? message.custom : message.type ? message : null;
  const entry = customEntry(custom);
  if (entry) entries.push(entry);
  return entries;
}
