// Keeping what the user was told: the personal checklist and the CPAM letter draft, as a clean printable view (a
// window of its own, built node by node like the chat) or a plain-text file, in the language the text is in, with
// its sources and the date. Nothing else goes in: no other message, no session id, nothing the user typed.

import { STRINGS } from "./i18n.js";
import { externalLink, parseMarkdown, renderMarkdown, toPlainText } from "./markdown.js";

const PRINT_STYLES = `
  body { font: 12pt/1.5 Georgia, "Times New Roman", serif; color: #000; max-width: 42em; margin: 2em auto; padding: 0 1em; }
  h1 { font-size: 18pt; margin: 0 0 .8em; }
  h2 { font-size: 13pt; margin: 1.4em 0 .4em; }
  pre { white-space: pre-wrap; font: 11pt/1.45 ui-monospace, Menlo, Consolas, monospace; }
  a { color: #0b3d91; }
  .es-keep-url { overflow-wrap: anywhere; }
  footer { margin-top: 2em; border-top: 1px solid #999; padding-top: .6em; font-size: 10pt; color: #333; }
  .es-keep-tools { margin-bottom: 1.5em; }
  .es-keep-tools button { font: inherit; padding: .3em 1em; }
  @media print { .es-keep-tools { display: none; } a { color: #000; } }
`;

/** Today as YYYY-MM-DD (local time: the date the user prints on). */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function longDate(date, language) {
  return new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long" }).format(date);
}

/** The links of a markdown text: [{title, href}] (a bare URL is its own title). */
export function linksOf(source) {
  const found = [];
  const walk = (nodes) => {
    for (const node of nodes) {
      if (node.type === "link") found.push({ title: textOf(node.children) || node.href, href: node.href });
      else if (node.children) walk(node.children);
    }
  };
  for (const block of parseMarkdown(source)) (block.lines || block.items || []).forEach(walk);
  return found;
}

function textOf(nodes) {
  return nodes.map((n) => n.text ?? textOf(n.children || [])).join("");
}

/**
 * What is kept: {kind: "checklist"|"letter", lang, title, text, markdown (bool), sources: [{title, href}], date}.
 * `sources` are listed apart only when the text does not already carry them (a letter: its answer's citations).
 */
export function keptItem({ kind, lang, title, text, sources = [], date = new Date() }) {
  const labels = STRINGS[lang] || STRINGS.en;
  const markdown = kind === "checklist";
  const inText = new Set(markdown ? linksOf(text).map((link) => link.href) : []);
  const unique = [];
  for (const source of sources) {
    if (source.href && !inText.has(source.href) && !unique.some((s) => s.href === source.href)) unique.push(source);
  }
  return { kind, lang, title: title || (kind === "checklist" ? labels.checklistTitle : labels.letterTitle), text, markdown, sources: unique, date };
}

/** The plain-text file's content. */
export function plainText(item) {
  const labels = STRINGS[item.lang] || STRINGS.en;
  const body = item.markdown ? toPlainText(item.text) : item.text;
  const parts = [item.title, "", body.trim()];
  if (item.sources.length) {
    parts.push("", `${labels.sources}:`, ...item.sources.map((s) => (s.title && s.title !== s.href ? `- ${s.title}: ${s.href}` : `- ${s.href}`)));
  }
  parts.push("", "--", `${labels.printedOn} ${longDate(item.date, item.lang)}.`, labels.printNote, "");
  return parts.join("\n");
}

export function fileName(item) {
  const labels = STRINGS[item.lang] || STRINGS.en;
  return `expat-sante-${item.kind === "checklist" ? labels.fileChecklist : labels.fileLetter}-${isoDay(item.date)}.txt`;
}

/** Download `item` as a UTF-8 text file. */
export function downloadText(win, item) {
  const doc = win.document;
  const blob = new win.Blob(["\ufeff", plainText(item)], { type: "text/plain;charset=utf-8" });
  const url = win.URL.createObjectURL(blob);
  const link = doc.createElement("a");
  link.href = url;
  link.download = fileName(item);
  link.rel = "noopener";
  link.style.display = "none";
  doc.body.appendChild(link);
  link.click();
  link.remove();
  win.setTimeout(() => win.URL.revokeObjectURL(url), 60000);
}

/** Fill `doc` (an empty document) with the printable view of `item`; `onPrint` is its Print button's action. */
function buildPrintView(doc, item, onPrint) {
  const labels = STRINGS[item.lang] || STRINGS.en;
  const html = doc.documentElement;
  html.setAttribute("lang", item.lang);
  doc.title = `${item.title} – Expat Santé`;
  const style = doc.createElement("style");
  style.textContent = PRINT_STYLES;
  doc.head.appendChild(style);
  const meta = doc.createElement("meta");
  meta.setAttribute("charset", "utf-8");
  doc.head.prepend(meta);

  const body = doc.body;
  body.replaceChildren();
  const tools = doc.createElement("div");
  tools.className = "es-keep-tools";
  const button = doc.createElement("button");
  button.type = "button";
  button.textContent = labels.print;
  if (onPrint) button.addEventListener("click", onPrint);
  tools.appendChild(button);

  const main = doc.createElement("main");
  const heading = doc.createElement("h1");
  heading.textContent = item.title;
  main.appendChild(heading);
  const article = doc.createElement("article");
  article.className = `es-keep-${item.kind}`;
  if (item.markdown) article.appendChild(renderMarkdown(doc, item.text));
  else {
    const pre = doc.createElement("pre");
    pre.textContent = item.text;
    article.appendChild(pre);
  }
  main.appendChild(article);
  if (item.sources.length) {
    const section = doc.createElement("section");
    section.className = "es-keep-sources";
    const title = doc.createElement("h2");
    title.textContent = labels.sources;
    const list = doc.createElement("ul");
    for (const source of item.sources) {
      const li = doc.createElement("li");
      if (source.title && source.title !== source.href) li.append(doc.createTextNode(`${source.title}: `));
      const link = externalLink(doc, source.href, source.href);
      link.className = "es-keep-url";
      li.appendChild(link);
      list.appendChild(li);
    }
    section.append(title, list);
    main.appendChild(section);
  }
  const footer = doc.createElement("footer");
  const printed = doc.createElement("p");
  const time = doc.createElement("time");
  time.setAttribute("datetime", isoDay(item.date));
  time.textContent = longDate(item.date, item.lang);
  printed.append(doc.createTextNode(`${labels.printedOn} `), time, doc.createTextNode("."));
  const note = doc.createElement("p");
  note.textContent = labels.printNote;
  footer.append(printed, note);
  body.append(tools, main, footer);
  return doc;
}

/** Open the printable view of `item` in a new window and ask for printing; false when the browser blocks it. */
export function openPrintView(win, item) {
  let view = null;
  try {
    view = win.open("", "_blank");
  } catch {
    view = null;
  }
  if (!view || !view.document) return false;
  const print = () => {
    try {
      view.focus();
      view.print();
    } catch {
      // printing unavailable (some embedded browsers): the view stays open to print by hand
    }
  };
  buildPrintView(view.document, item, print);
  win.setTimeout(print, 300);
  return true;
}
