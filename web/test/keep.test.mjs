// Keeping the checklist and the letter: what the text file and the print view hold (the browser test opens both).
import assert from "node:assert/strict";
import { test } from "node:test";

import { fileName, keptItem, linksOf, plainText } from "../src/keep.js";
import { entriesFromBotMessage } from "../src/messages.js";

const CHECKLIST_FR = "**Votre liste de démarches**\n\n**1. Votre démarche** : salarié\n\n**2. Les pièces** : passeport\n\n" +
  "Sources (vérifiées le 2026-11-01) :\n- Inscription : https://www.ameli.fr/assure/droits-demarches\n- PUMa : https://www.service-public.fr/particuliers/vosdroits/F1234";

test("the checklist's text file: its items and its sources, in its language, with the date, nothing else", () => {
  const item = keptItem({ kind: "checklist", lang: "fr", text: CHECKLIST_FR, date: new Date(2026, 11, 1) });
  const text = plainText(item);
  assert.match(text, /^Votre liste de démarches\n/);
  assert.match(text, /1\. Votre démarche : salarié/);
  assert.match(text, /- Inscription : https:\/\/www\.ameli\.fr\/assure\/droits-demarches/);
  assert.match(text, /https:\/\/www\.service-public\.fr\/particuliers\/vosdroits\/F1234/);
  assert.match(text, /Imprimé depuis l'assistant Expat Santé le 1 décembre 2026\./);
  assert.ok(!text.includes("**"), "no markdown marks in the text file");
  assert.equal(fileName(item), "expat-sante-liste-demarches-2026-12-01.txt");
  assert.deepEqual(item.sources, []); // the checklist's sources are in its text: not listed twice
});

test("a letter keeps its text as written and lists the sources of its answer once", () => {
  const letter = "Madame, Monsieur,\n\nJe vous prie [votre numéro].\n\nCordialement,";
  const item = keptItem({
    kind: "letter", lang: "en", title: "Relance", text: letter, date: new Date(2026, 0, 5),
    sources: [{ title: "Stalled file", href: "https://www.ameli.fr/x" }, { title: "again", href: "https://www.ameli.fr/x" }],
  });
  const text = plainText(item);
  assert.ok(text.includes(letter));
  assert.equal(text.match(/https:\/\/www\.ameli\.fr\/x/g).length, 1);
  assert.match(text, /Sources:\n- Stalled file: https:\/\/www\.ameli\.fr\/x/);
  assert.match(text, /Printed from the Expat Santé assistant on 5 January 2026\./);
  assert.equal(fileName(item), "expat-sante-letter-2026-01-05.txt");
});

test("links of a text, bare or labelled", () => {
  assert.deepEqual(linksOf("See [ameli](https://www.ameli.fr/a) or https://www.service-public.fr/b."), [
    { title: "ameli", href: "https://www.ameli.fr/a" },
    { title: "https://www.service-public.fr/b", href: "https://www.service-public.fr/b" },
  ]);
});

test("the channel's checklist mark and the cost payload's details reach the entries", () => {
  const [checklist] = entriesFromBotMessage({ text: CHECKLIST_FR, keep: "checklist" });
  assert.equal(checklist.keep, "checklist");
  const [plain] = entriesFromBotMessage({ text: "Hello", keep: "<script>" });
  assert.equal(plain.keep, undefined);
  const [cost] = entriesFromBotMessage({ custom: { type: "cost_breakdown", lang: "en", parts: [{ part: "you", label: "You", amount: 11 }],
    details: "1. Base €30.00\n2. 70% of it\n\nSources: https://www.ameli.fr/x" } });
  assert.match(cost.details, /^1\. Base/);
});
