// The small markdown subset the assistant writes (paragraphs, line breaks, "- " and "1. " lists, **bold**, *italic*,
// `code`, [label](url) and bare URLs), parsed into a tree and rendered with createElement/textContent only.
// A single line break is kept, except inside hard-wrapped prose (see isSoftWrap). Parsing is linear in the length of
// the text (see InlineParser): a 1 MB message renders in well under a second.
// Nothing the bot or the user writes is ever parsed as HTML: a "<script>" in a message is shown as text.

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);

/** The URL to put in an href, or null when it is not an absolute http(s)/mailto/tel address. */
export function safeHref(raw) {
  const text = String(raw || "").trim();
  // Control characters and whitespace inside a URL are how "java\tscript:" tricks get through lax parsers.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this test
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
 * spaces (markdown's hard break) keep theirs. `line` is one line of a paragraph: {parts, length} (see parseMarkdown). */
function isSoftWrap(line) {
  const last = line.parts[line.parts.length - 1];
  if (/( {2}|\\)$/.test(last)) return false;
  const trimmedLast = last.trimEnd();
  return line.length - (last.length - trimmedLast.length) >= 70 && !trimmedLast.endsWith(":");
}

const BULLET = /^\s*[-*•]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const NUMBERED = /^\s*(\d{1,3})[.)]\s+(.*)$/;

/** Block structure: [{type: "p", lines: [inline[]]}, {type: "ul"|"ol", start?, items: [inline[]]}, {type: "pre", text}]
 * (a fenced block, ``` or ~~~, is kept as typed: a letter to copy).
 * Linear in the length of the text: a wrapped line is kept as its parts and joined once, at the end. */
export function parseMarkdown(source) {
  const text = String(source ?? "").replace(/\r\n?/g, "\n");
  const blocks = [];
  let current = null;
  const flush = () => {
    if (current && current.type === "p") {
      current.lines = current.raw.map((line) => parseInline(line.parts.join(" ").trim().replace(/\\$/, "").trimEnd()));
      delete current.raw;
    }
    if (current) blocks.push(current);
    current = null;
  };
  let fence = null; // {mark, lines} inside a fenced block
  for (const line of text.split("\n")) {
    if (fence) {
      if (line.trim().startsWith(fence.mark) && !line.trim().slice(3).trim()) {
        blocks.push({ type: "pre", text: fence.lines.join("\n") });
        fence = null;
      } else fence.lines.push(line);
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      flush();
      fence = { mark: opening[1], lines: [] };
      continue;
    }
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
      const part = line.trimStart();
      if (previous !== undefined && isSoftWrap(previous)) {
        // Hard-wrapped prose (the knowledge articles are wrapped at 120 columns) reads as one paragraph.
        const last = previous.parts.length - 1;
        const trimmed = previous.parts[last].trimEnd();
        previous.length -= previous.parts[last].length - trimmed.length;
        previous.parts[last] = trimmed;
        previous.parts.push(part);
        previous.length += 1 + part.length;
      } else {
        current.raw.push({ parts: [part], length: part.length });
      }
    }
  }
  flush();
  if (fence) blocks.push({ type: "pre", text: fence.lines.join("\n") }); // an unclosed fence keeps its text
  return blocks;
}

const BARE_URL = /https?:\/\/[^\s<>()"'`]+[^\s<>().,;:!?'"»`]/y;
const LINK_TARGET = /\(\s*([^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\s*\)/y;
const ESCAPABLE = new Set("\\`*_[]()#-");
const SPACE = /\s/;
const WORD = /\w/;
const MAX_DEPTH = 3;
const MAX_LABEL = 500;

/**
 * One pass over the text, never copying the rest of it: each construct looks for its closing mark with a search
 * that is remembered (the next "**" after a position is the same for every opener before it), so that even text
 * made only of openers ("**a **a …", "[[[[…") is parsed in linear time. Children are ranges of the same string.
 */
class InlineParser {
  constructor(source) {
    this.source = source;
    this.found = new Map(); // key -> {from, at}: the first match at or after `from` (-1: none)
    this.targets = new Map(); // position of "](" -> parsed link target or null
  }

  /** `search(from)`, remembered under `key`: the first match at or after `from`, or -1. Positions only grow during a
   * parse, so each key's searches together scan the text about once. */
  next(key, from, search) {
    const cached = this.found.get(key);
    if (cached && cached.from <= from && (cached.at === -1 || cached.at >= from)) return cached.at;
    const at = search(from);
    this.found.set(key, { from, at });
    return at;
  }

  nextToken(token, from, accept = null) {
    return this.next(accept ? `${token}:${accept.name}` : token, from, (start) => {
      let at = this.source.indexOf(token, start);
      while (at !== -1 && accept && !accept(this.source, at)) at = this.source.indexOf(token, at + 1);
      return at;
    });
  }

  nextEmphasisMark(from) {
    return this.next("*_", from, (start) => {
      const pattern = /[*_]/g;
      pattern.lastIndex = start;
      const match = pattern.exec(this.source);
      return match ? match.index : -1;
    });
  }

  linkTarget(close) {
    if (!this.targets.has(close)) {
      LINK_TARGET.lastIndex = close + 1;
      const match = LINK_TARGET.exec(this.source);
      this.targets.set(close, match ? { end: LINK_TARGET.lastIndex, href: match[1] } : null);
    }
    return this.targets.get(close);
  }

  parse(start, end, depth) {
    const s = this.source;
    const nodes = [];
    let textStart = start;
    const pushText = (upTo) => {
      if (upTo <= textStart) return;
      const text = s.slice(textStart, upTo);
      const last = nodes[nodes.length - 1];
      if (last && last.type === "text") last.text += text;
      else nodes.push({ type: "text", text });
    };
    let i = start;
    while (i < end) {
      const c = s[i];
      if (c === "\\" && i + 1 < end && ESCAPABLE.has(s[i + 1])) {
        pushText(i);
        textStart = i + 1; // the escaped character starts the next run of text
        i += 2;
        continue;
      }
      if ((c === "*" || c === "_") && depth < MAX_DEPTH) {
        const strong = s[i + 1] === c ? this.strongAt(i, end, c) : -1;
        if (strong !== -1) {
          pushText(i);
          nodes.push({ type: "strong", children: this.parse(i + 2, strong, depth + 1) });
          i = textStart = strong + 2;
          continue;
        }
        const em = this.emphasisAt(i, start, end, c);
        if (em !== -1) {
          pushText(i);
          nodes.push({ type: "em", children: this.parse(i + 1, em, depth + 1) });
          i = textStart = em + 1;
          continue;
        }
      } else if (c === "`") {
        const close = this.nextToken("`", i + 1);
        if (close > i + 1 && close < end) {
          pushText(i);
          nodes.push({ type: "code", text: s.slice(i + 1, close) });
          i = textStart = close + 1;
          continue;
        }
      } else if (c === "[") {
        const link = this.linkAt(i, end, depth);
        if (link) {
          pushText(i);
          nodes.push(link.node);
          i = textStart = link.end;
          continue;
        }
      } else if (c === "h" && (i === start || !/[\w/]/.test(s[i - 1])) && (s.startsWith("http://", i) || s.startsWith("https://", i))) {
        BARE_URL.lastIndex = i;
        const bare = BARE_URL.exec(s);
        if (bare && i + bare[0].length <= end) {
          const href = safeHref(bare[0]);
          if (href) {
            pushText(i);
            nodes.push({ type: "link", href, children: [{ type: "text", text: bare[0] }] });
            i = textStart = i + bare[0].length;
          } else {
            i += bare[0].length; // not a safe address: stays text, and is not scanned again
          }
          continue;
        }
      }
      i += 1;
    }
    pushText(end);
    return nodes;
  }

  /** "**text**" / "__text__" at i: the index of the closing mark, or -1. */
  strongAt(i, end, c) {
    const s = this.source;
    if (i + 2 >= end || SPACE.test(s[i + 2])) return -1;
    const close = this.nextToken(c + c, i + 3, closesStrong);
    return close !== -1 && close + 2 <= end ? close : -1;
  }

  /** "*text*" / "_text_" at i (no other * or _ inside, not within a word): the index of the closing mark, or -1. */
  emphasisAt(i, start, end, c) {
    const s = this.source;
    if (i > start && WORD.test(s[i - 1])) return -1;
    if (i + 1 >= end || SPACE.test(s[i + 1])) return -1;
    const close = this.nextEmphasisMark(i + 1);
    if (close === -1 || close >= end || close < i + 2 || s[close] !== c || SPACE.test(s[close - 1])) return -1;
    const after = s[close + 1];
    if (close + 1 < end && after !== undefined && /[*_\w]/.test(after)) return -1;
    return close;
  }

  /** "[label](target)" at i: {node, end} or null. An unsafe target keeps its label as plain text. */
  linkAt(i, end, depth) {
    const close = this.nextToken("]", i + 1);
    if (close === -1 || close >= end || close === i + 1 || close - i - 1 > MAX_LABEL || this.source[close + 1] !== "(") {
      return null;
    }
    const target = this.linkTarget(close);
    if (!target || target.end > end) return null;
    const href = safeHref(target.href);
    const label = this.source.slice(i + 1, close);
    const children = depth < MAX_DEPTH ? this.parse(i + 1, close, depth + 1) : [{ type: "text", text: label }];
    return { node: href ? { type: "link", href, children } : { type: "text", text: label }, end: target.end };
  }
}

/** A closing "**" is preceded by a non-space character. */
function closesStrong(source, at) {
  return !SPACE.test(source[at - 1]);
}

/** Inline nodes: {type: "text", text} | {type: "strong"|"em", children} | {type: "code", text} | {type: "link", href, children}. */
export function parseInline(source) {
  const text = String(source ?? "");
  return new InlineParser(text).parse(0, text.length, 0);
}

/** DOM nodes for markdown text. `labels.opensInNewTab` is read to screen readers after each link. */
export function renderMarkdown(doc, source, labels = {}) {
  const fragment = doc.createDocumentFragment();
  for (const block of parseMarkdown(source)) {
    if (block.type === "pre") {
      const pre = doc.createElement("pre");
      pre.className = "es-pre";
      pre.setAttribute("tabindex", "0"); // scrollable: reachable with the keyboard
      pre.textContent = block.text;
      fragment.appendChild(pre);
    } else if (block.type === "p") {
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

/** The text without markdown marks, for a plain-text file: paragraphs apart, "- " and "1. " items, links as
 * "label (address)" when the label is not the address itself. */
export function toPlainText(source) {
  const inline = (nodes) =>
    nodes
      .map((node) => {
        if (node.type === "text" || node.type === "code") return node.text;
        const inner = inline(node.children || []);
        if (node.type === "link" && inner !== node.href && `${inner}/` !== node.href && !/^mailto:|^tel:/.test(node.href)) {
          return `${inner} (${node.href})`;
        }
        return inner;
      })
      .join("");
  return parseMarkdown(source)
    .map((block) => {
      if (block.type === "pre") return block.text;
      if (block.type === "p") return block.lines.map(inline).join("\n");
      const start = block.start ?? 1;
      return block.items.map((item, index) => `${block.type === "ol" ? `${start + index}.` : "-"} ${inline(item)}`).join("\n");
    })
    .join("\n\n");
}
