// bot_uttered events to widget entries: our channel's shape, stock Rasa's shape, and garbage.
import assert from "node:assert/strict";
import { test } from "node:test";

import { STRINGS } from "../src/i18n.js";
import { entriesFromBotMessage } from "../src/messages.js";
import { maskPersonalData } from "../src/privacy.js";

test("text with buttons keeps title and payload; stock Rasa quick_replies are read too", () => {
  const ours = entriesFromBotMessage({ text: "Which language?", buttons: [{ title: "Français", payload: '/switch_language{"language": "fr"}' }] });
  assert.deepEqual(ours, [{ kind: "text", text: "Which language?", buttons: [{ title: "Français", payload: '/switch_language{"language": "fr"}' }] }]);
  const stock = entriesFromBotMessage({ text: "Q", quick_replies: [{ content_type: "text", title: "A", payload: "/a" }] });
  assert.deepEqual(stock[0].buttons, [{ title: "A", payload: "/a" }]);
});

test("citation, cost breakdown and letter payloads become typed entries", () => {
  const [citation] = entriesFromBotMessage({ custom: { type: "citation", id: "carte-vitale", lang: "fr", title: "Carte Vitale", source: "https://www.ameli.fr/x", last_reviewed: "2025-06-01" } });
  assert.equal(citation.kind, "citation");
  assert.equal(citation.lastReviewed, "2025-06-01");
  const [cost] = entriesFromBotMessage({ custom: { type: "cost_breakdown", lang: "en", currency: "EUR", billed: 30, parts: [
    { part: "statutory", label: "Sécurité sociale", amount: 19, percent: 63.3 },
    { part: "you", label: "You", amount: "11.00", percent: 36.7 },
    { part: "you", label: "broken", amount: "eleven" },
  ] } });
  assert.equal(cost.kind, "cost");
  assert.deepEqual(cost.parts.map((p) => p.amount), [19, 11]);
  const [letter] = entriesFromBotMessage({ custom: { type: "letter", lang: "fr", title: "Réclamation", text: "Madame, Monsieur," } });
  assert.equal(letter.kind, "letter");
});

test("unknown or malformed payloads are ignored, not shown", () => {
  for (const message of [null, "text", 42, {}, { custom: { type: "carousel" } }, { custom: null },
    { custom: { type: "cost_breakdown", parts: "x" } }, { custom: { type: "letter" } }, { attachment: { type: "image" } }]) {
    assert.deepEqual(entriesFromBotMessage(message), [], JSON.stringify(message));
  }
});

test("personal data is masked before the history is stored", () => {
  const text = "My email is jane.doe@example.org, my number 1 85 05 78 006 084 36, IBAN FR76 3000 6000 0112 3456 7890 189, call +33 6 12 34 56 78 or 06.12.34.56.78";
  const masked = maskPersonalData(text, "[hidden]");
  for (const secret of ["jane.doe", "006 084", "3000 6000", "12 34 56 78", "06.12"]) assert.ok(!masked.includes(secret), masked);
  // Ordinary amounts and dates stay readable.
  assert.equal(maskPersonalData("A €30 GP visit on 2026-03-01, 70 % refunded"), "A €30 GP visit on 2026-03-01, 70 % refunded");
});

test("every UI string exists in English and French, and differs where it should", () => {
  assert.deepEqual(Object.keys(STRINGS.en).sort(), Object.keys(STRINGS.fr).sort());
  for (const key of Object.keys(STRINGS.en)) assert.ok(STRINGS.en[key] && STRINGS.fr[key], key);
  for (const key of ["welcome", "send", "newConversation", "inputLabel", "typing", "copy"]) {
    assert.notEqual(STRINGS.en[key], STRINGS.fr[key], key);
  }
});
