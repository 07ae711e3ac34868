// The small markdown subset the assistant writes (paragraphs, line breaks, "- " and "1. " lists, **bold**, *italic*,
// `code`, [label](url) and bare URLs), parsed into a tree and rendered with createElement/textContent only.
// A single line break is kept, except inside hard-wrapped prose (see isSoftWrap).
// Nothing the bot or the user writes is ever parsed as HTML: a "<script>" in a message is shown as text.

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);

/** The URL to put in an href, or null when it is not an absolute http(s)/mailto/tel address. */
export function safeHref(raw) {
  const text = String(raw || "").trim();
  // Control characters and whitespace inside a URL are how "java\tscript:" tricks get through lax parsers.
  if (!text || /[\u0000-\u0020\u007f-\u009f<>"'`]/.test(text)) return null;
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return null;
  if ((url.protocol === "http:" || url.protocol === "https:") && !url.hostname) return null;
  return url.href;
}

/** A line break inside a long line of prose is a wrap, not meant; short lines, a trailing colon, backslash or two
 * spaces (markdown's hard break) keep theirs. */
function isSoftWrap(line) {
  if (/(  |\\)$/.test(line)) return false;
  const text = line.trim();
  return text.length >= 70 && !/:$/.test(text);
}

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*(\d{1,3})[.)]\s+(.*)$/;

/** Block structure: [{type: "p", lines: [inline[]]}, {type: "ul"|"ol", start?, items: [inline[]]}]. */
export function parseMarkdown(source) {
  const text = String(source ?? "").replace(/\r\n?/g, "\n");
  const blocks = [];
  let current = null;
  const flush = () => {
    if (current && current.type === "p") {
      current.lines = current.raw.map((line) => parseInline(line.trim().replace(/\\$/, "").trimEnd()));
      delete current.raw;
    }
    if (current) blocks.push(current);
    current = null;
  };
  for (const line of text.split("\n")) {
    if (!line.trim()) {
      flush();
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet) {
      if (!current || current.type !== "ul") {
        flush();
        current = { type: "ul", items: [] };
      }
      current.items.push(parseInline(bullet[1]));
    } else if (numbered) {
      if (!current || current.type !== "ol") {
        flush();
        current = { type: "ol", start: Number(numbered[1]), items: [] };
      }
      current.items.push(parseInline(numbered[2]));
    } else {
      if (!current || current.type !== "p") {
        flush();
        current = { type: "p", lines: [], raw: [] };
      }
      const previous = current.raw[current.raw.length - 1];
      if (previous !== undefined && isSoftWrap(previous)) {
        // Hard-wrapped prose (the knowledge articles are wrapped at 120 columns) reads as one paragraph.
        current.raw[current.raw.length - 1] = `${previous.trim()} ${line.trimStart()}`;
      } else {
        current.raw.push(line.trimStart());
      }
    }
  }
  flush();
  return blocks;
}

const BARE_URL = /https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"»]/y;

/** Inline nodes: {type: "text", text} | {type: "strong"|"em", children} | {type: "code", text} | {type: "link", href, children}. */
export function parseInline(source, depth = 0) {
  const nodes = [];
  let buffer = "";
  const pushText = () => {
    if (buffer) nodes.push({ type: "text", text: buffer });
    buffer = "";
  };
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    if (rest.startsWith("\\") && i + 1 < source.length && /[\\`*_[\]()#-]/.test(source[i + 1])) {
      buffer += source[i + 1];
      i += 2;
      continue;
    }
    if (depth < 3) {
      const strong = /^(\*\*|__)(?=\S)([\s\S]*?\S)\1/.exec(rest);
      if (strong) {
        pushText();
        nodes.push({ type: "strong", children: parseInline(strong[2], depth + 1) });
        i += strong[0].length;
        continue;
      }
      const em = /^([*_])(?=\S)([^*_]*?\S)\1(?![*_\w])/.exec(rest);
      if (em && (i === 0 || !/\w/.test(source[i - 1]))) {
        pushText();
        nodes.push({ type: "em", children: parseInline(em[2], depth + 1) });
        i += em[0].length;
        continue;
      }
    }
    const code = /^`([^`]+)`/.exec(rest);
    if (code) {
      pushText();
      nodes.push({ type: "code", text: code[1] });
      i += code[0].length;
      continue;
    }
    const link = /^\[([^\]]{1,500})\]\(\s*([^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\s*\)/.exec(rest);
    if (link) {
      const href = safeHref(link[2]);
      pushText();
      const children = depth < 3 ? parseInline(link[1], depth + 1) : [{ type: "text", text: link[1] }];
      // An unsafe target keeps its label as plain text and loses the link.
      nodes.push(href ? { type: "link", href, children } : { type: "text", text: link[1] });
      i += link[0].length;
      continue;
    }
    if ((rest.startsWith("http://") || rest.startsWith("https://")) && (i === 0 || !/[\w/]/.test(source[i - 1]))) {
      BARE_URL.lastIndex = i;
      const bare = BARE_URL.exec(source);
      const href = bare && safeHref(bare[0]);
      if (href) {
        pushText();
        nodes.push({ type: "link", href, children: [{ type: "text", text: bare[0] }] });
        i += bare[0].length;
        continue;
      }
    }
    buffer += source[i];
    i += 1;
  }
  pushText();
  return nodes;
}

/** DOM nodes for markdown text. `labels.opensInNewTab` is read to screen readers after each link. */
export function renderMarkdown(doc, source, labels = {}) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(source)) {
    if (block.type === "p") {
      const p = doc.createElement("p");
      block.lines.forEach((line, index) => {
        if (index > 0) p.appendChild(doc.createElement("br"));
        appendInline(doc, p, line, labels);
      });
      fragment.appendChild(p);
    } else {
      const list = doc.createElement(block.type);
      if (block.type === "ol" && block.start !== 1) list.setAttribute("start", String(block.start));
      for (const item of block.items) {
        const li = doc.createElement("li");
        appendInline(doc, li, item, labels);
        list.appendChild(li);
      }
      fragment.appendChild(list);
    }
  }
  return fragment;
}

function appendInline(doc, parent, nodes, labels) {
  for (const node of nodes) {
    if (node.type === "text") {
      parent.appendChild(doc.createTextNode(node.text));
    } else if (node.type === "code") {
      const code = doc.createElement("code");
      code.textContent = node.text;
      parent.appendChild(code);
    } else if (node.type === "strong" || node.type === "em") {
      const element = doc.createElement(node.type);
      appendInline(doc, element, node.children, labels);
      parent.appendChild(element);
    } else if (node.type === "link") {
      parent.appendChild(externalLink(doc, node.href, node.children, labels));
    }
  }
}

/** A link that opens in a new tab without giving the new page a handle on ours. */
export function externalLink(doc, href, children, labels = {}) {
  const a = doc.createElement("a");
  a.setAttribute("href", href);
  a.setAttribute("target", "_blank");
  a.setAttribute("rel", "noopener noreferrer");
  if (typeof children === "string") a.appendChild(doc.createTextNode(children));
  else appendInline(doc, a, children, labels);
  if (labels.opensInNewTab) {
    const hint = doc.createElement("span");
    hint.className = "es-sr-only";
    hint.textContent = ` ${labels.opensInNewTab}`;
    a.appendChild(hint);
  }
  return a;
}
