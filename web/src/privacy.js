// What the widget keeps in the browser's storage must not hold personal data in clear: social security numbers,
// IBANs, e-mail addresses and phone numbers typed by the user are masked before the history is saved.
//
// The patterns are those of bot/safety/privacy.py (what the server redacts before Rasa sees a message), written for
// JavaScript: Python's Unicode \d and \w are \p{Nd} and [\p{L}\p{N}_] here (the "u" flag), and they are applied in
// the same order. tests/fixtures/privacy_cases.json is checked against both (tests/unit/test_privacy.py and
// web/test/privacy.test.mjs): change both files together.

const D = "\\p{Nd}";
const SEP = "[ .\\-]?";

const NIR = new RegExp(
  `(?<![${D}A-Za-z])[1-478]${SEP}${D}{2}${SEP}(?:0[1-9]|1[0-2]|[2-9]${D})${SEP}(?:${D}{2}|2[AaBb])${SEP}${D}{3}${SEP}` +
    `${D}{3}(?:${SEP}${D}{2})?(?![${D}A-Za-z])`,
  "gu",
);
const IBAN = new RegExp(
  `(?<![A-Za-z0-9])[A-Za-z]{2}${D}{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)(?![A-Za-z0-9])`,
  "gu",
);
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/gu;
const PHONE = new RegExp(
  `(?<![\\p{L}\\p{N}_+])(?:(?:\\+|00)33[ .\\-]?(?:\\(0\\))?[ .\\-]?[1-9](?:[ .\\-]?${D}{2}){4}` +
    `|0[1-9](?:[ .\\-]?${D}{2}){4}` +
    `|(?:\\+|00)(?!33)[1-9]${D}{0,2}(?:[ .\\-]?\\(?${D}{1,4}\\)?){2,5})(?!${D})`,
  "gu",
);

/** Marker left in place of each kind of personal data (the same as the server's). */
const MARKERS = { nir: "[NIR]", iban: "[IBAN]", email: "[EMAIL]", phone: "[PHONE]" };

const PATTERNS = [
  ["email", EMAIL],
  ["iban", IBAN],
  ["nir", NIR],
  ["phone", PHONE],
];

/** {text, kinds}: `text` with every NIR, IBAN, e-mail address and phone number replaced by its marker (or by `token`
 * when one is given), and the kinds found, in the order bot/safety/privacy.py reports them. */
export function redact(source, token) {
  let text = String(source ?? "");
  const kinds = [];
  for (const [kind, pattern] of PATTERNS) {
    text = text.replace(pattern, () => {
      if (!kinds.includes(kind)) kinds.push(kind);
      return token ?? MARKERS[kind];
    });
  }
  return { text, kinds };
}

export function maskPersonalData(text, token = "[hidden]") {
  return redact(text, token).text;
}
