// The widget's personal-data patterns against the cases bot/safety/privacy.py is tested with (one shared list).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { maskPersonalData, redact } from "../src/privacy.js";

const { cases } = JSON.parse(readFileSync(new URL("../../tests/fixtures/privacy_cases.json", import.meta.url), "utf8"));

test("the shared cases: same redacted text and same kinds as the server", () => {
  assert.ok(cases.length >= 20);
  for (const { text, redacted, kinds } of cases) {
    assert.deepEqual(redact(text), { text: redacted, kinds }, text);
  }
});

test("the stored history uses the UI's token for every kind", () => {
  for (const { text, redacted, kinds } of cases) {
    const masked = maskPersonalData(text, "[masqué]");
    assert.equal(masked.includes("[masqué]"), kinds.length > 0, text);
    assert.equal(masked, redacted.replace(/\[(NIR|IBAN|EMAIL|PHONE)\]/g, "[masqué]"), text);
  }
});
