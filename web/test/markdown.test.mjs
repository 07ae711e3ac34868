// The markdown subset parser: what a hostile bot or user text can and cannot become. Rendering (DOM) is covered
// in the browser tests (tests/browser); here, the tree the renderer gets.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseInline, parseMarkdown, safeHref } from "../src/markdown.js";

function links(blocks) {
  const found = [];
  const walk = (nodes) => {
    for (const node of nodes) {
      if (node.type === "link") found.push(node.href);
      if (node.children) walk(node.children);
    }
  };
  for (const block of blocks) (block.lines || block.items || []).forEach(walk);
  return found;
}

function plain(nodes) {
  return nodes.map((n) => n.text ?? plain(n.children || [])).join("");
}

test("only absolute http(s), mailto and tel addresses become links", () => {
  assert.equal(safeHref("https://www.ameli.fr/assure"), "https://www.ameli.fr/assure");
  assert.equal(safeHref("mailto:x@example.org"), "mailto:x@example.org");
  for (const hostile of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "/relative/path",
    "//evil.example/x",
    "https://x.example/\"onmouseover=\"alert(1)",
    "https://x.example/<script>",
    "",
  ]) {
    assert.equal(safeHref(hostile), null, hostile);
  }
});

test("a javascript: link keeps its label as text and is not a link", () => {
  const blocks = parseMarkdown("[click me](javascript:alert(1)) and [ok](https://ameli.fr)");
  assert.deepEqual(links(blocks), ["https://ameli.fr/"]);
  assert.match(plain(blocks[0].lines[0]), /click me and ok/);
});

test("HTML in text stays text: tags and event handlers are characters, not nodes", () => {
  const source = '<img src=x onerror=alert(1)> <script>alert(1)</script> **<b onclick="x()">bold</b>**';
  const blocks = parseMarkdown(source);
  assert.equal(blocks.length, 1);
  const nodes = blocks[0].lines[0];
  const kinds = new Set();
  const walk = (list) => list.forEach((n) => { kinds.add(n.type); if (n.children) walk(n.children); });
  walk(nodes);
  assert.deepEqual([...kinds].sort(), ["strong", "text"]);
  assert.equal(plain(nodes), '<img src=x onerror=alert(1)> <script>alert(1)</script> <b onclick="x()">bold</b>');
});

test("paragraphs, line breaks, bullets and numbered lists as the bot writes them", () => {
  const blocks = parseMarkdown("**Carte Vitale**\n\nFirst line\nsecond line\n\n- one\n- two\n1. a\n2. b");
  assert.deepEqual(blocks.map((b) => b.type), ["p", "p", "ul", "ol"]);
  assert.equal(blocks[0].lines[0][0].type, "strong");
  assert.equal(blocks[1].lines.length, 2);
  assert.equal(blocks[2].items.length, 2);
  assert.equal(blocks[3].start, 1);
});

test("bare URLs become links without the sentence's closing punctuation", () => {
  const nodes = parseInline("Source: https://www.ameli.fr/assure/remboursements. (reviewed 2025-01-01)");
  const link = nodes.find((n) => n.type === "link");
  assert.equal(link.href, "https://www.ameli.fr/assure/remboursements");
});

test("deeply nested or unbalanced emphasis neither throws nor loses text", () => {
  const source = "**".repeat(200) + "x" + "*".repeat(3) + "[".repeat(100) + "](" + "_".repeat(50);
  const blocks = parseMarkdown(source);
  assert.ok(plain(blocks[0].lines[0]).includes("x"));
});

test("parsing a long hostile input stays fast (no catastrophic backtracking)", () => {
  const start = Date.now();
  parseMarkdown("[".repeat(5000) + "](" + "a(".repeat(5000) + "**_".repeat(3000));
  assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
});

test("hard-wrapped prose is one line; short lines and explicit breaks are kept", () => {
  const wrapped = "Order the card in your ameli account, or with the paper form the CPAM sends you by post. You need a\nrecent ID photo.";
  assert.equal(parseMarkdown(wrapped)[0].lines.length, 1);
  assert.match(plain(parseMarkdown(wrapped)[0].lines[0]), /You need a recent ID photo\.$/);
  assert.equal(parseMarkdown("Line one\nLine two")[0].lines.length, 2);
  const colon = "Here is what the calculation below assumes about your situation and the rules in force:\nnext";
  assert.equal(parseMarkdown(colon)[0].lines.length, 2);
  const hard = "A very long line of prose that would otherwise be joined to the next one because it is long  \nnext";
  assert.equal(parseMarkdown(hard)[0].lines.length, 2);
});

test("a 1 MB message renders in linear time whatever it is made of", async () => {
  const { renderMarkdown } = await import("../src/markdown.js");
  const { fakeDocument } = await import("./fake_dom.mjs");
  const MB = 1 << 20;
  const fill = (unit) => unit.repeat(Math.ceil(MB / unit.length)); // whole units: at least 1 MB
  const shapes = {
    // A parser that copies the rest of the string at each character, or re-joins a growing paragraph at each
    // wrapped line, takes minutes on these.
    prose: fill("Order the card in your **ameli** account, *or* with `the form` and [a link](https://www.ameli.fr/x). "),
    wrapped: fill("Order the card in your ameli account, or with the paper form the CPAM sends you by post. You need\n"),
    openers: fill("**a "),
    brackets: fill("["),
    links: fill("[a]("),
    urls: fill("http://a\""),
    list: fill("- item with **bold** text\n1. numbered item\n\n"),
  };
  for (const [name, source] of Object.entries(shapes)) {
    const start = Date.now();
    const fragment = renderMarkdown(fakeDocument, source, { opensInNewTab: "(new tab)" });
    const elapsed = Date.now() - start;
    assert.ok(elapsed < 4000, `${name}: ${elapsed} ms`);
    assert.ok(fragment.childNodes.length >= 1, name);
  }
  // Nothing is lost: the rendered text of the wrapped prose is the source with its wraps as spaces.
  const wrapped = renderMarkdown(fakeDocument, shapes.wrapped);
  assert.equal(wrapped.childNodes.length, 1);
  assert.equal(wrapped.textContent, shapes.wrapped.trim().split("\n").join(" "));
  const links = renderMarkdown(fakeDocument, shapes.prose).all("a");
  assert.ok(links.length > 5000 && links.every((a) => a.getAttribute("href") === "https://www.ameli.fr/x"));
});

test("a fenced block (a letter to copy) is kept as typed, line by line, and never parsed", async () => {
  const { renderMarkdown } = await import("../src/markdown.js");
  const { fakeDocument } = await import("./fake_dom.mjs");
  const letter = "[NOM Prénom]\n[Adresse]\n\nMadame, Monsieur,\n  **pas du gras** <script>x</script> [lien](javascript:x)";
  const blocks = parseMarkdown(`Here is the letter:\n\n\`\`\`\n${letter}\n\`\`\`\n\nSend it by post.`);
  assert.deepEqual(blocks.map((b) => b.type), ["p", "pre", "p"]);
  assert.equal(blocks[1].text, letter);
  const fragment = renderMarkdown(fakeDocument, `\`\`\`\n${letter}\n\`\`\``);
  const [pre] = fragment.all("pre");
  assert.equal(pre.textContent, letter);
  assert.equal(fragment.all("a").length + fragment.all("strong").length, 0);
  // An unclosed fence keeps its text.
  assert.deepEqual(parseMarkdown("```\nline one\nline two").map((b) => [b.type, b.text]), [["pre", "line one\nline two"]]);
});
