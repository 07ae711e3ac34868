// What the widget keeps in the browser's storage must not hold personal data in clear: e-mail addresses, IBANs,
// social security numbers and phone numbers typed by the user are masked before the history is saved.

const PATTERNS = [
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, // e-mail
  /\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?\b/g, // IBAN
  /\b[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:2[ABab]|\d{2})[ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{2})?\b/g, // NIR, Corsica included
  /(?:\+|\b00)\d{1,3}[ .-]?\(?\d\)?(?:[ .-]?\d){6,}/g, // international phone
  /\b\d(?:[ .-]?\d){8,}\b/g, // any other long number: national phone, NIR without its key, card numbers
];

export function maskPersonalData(text, token = "[hidden]") {
  let masked = String(text ?? "");
  for (const pattern of PATTERNS) masked = masked.replace(pattern, token);
  return masked;
}
