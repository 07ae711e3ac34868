// Everything the bot sends must be CommonMark that renders as meant in any client (issue 21): our widget, Telegram,
// rasa-webchat and any standard renderer. Each text is rendered with markdown-it in strict CommonMark mode and its
// structure compared with what the writer meant: every "- ", "* ", "+ " or "1. " line is a list item (and not glued
// into a paragraph), and lines meant as separate are separated by a blank line (in CommonMark a single line break
// inside a paragraph is a space, so "Step one\nStep two" runs together as one line).
//
// Texts: every response variation of domain.yml, every knowledge passage (knowledge/{en,fr}/*.md sections, as
// bot/knowledge/articles.py cuts them: without the Source/Reviewed lines and the Questions block), and every sentence of the
// calculator (bot/calculator/texts.yml). {placeholders} are filled with a word; a line that is only a placeholder is
// checked where its text comes from.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

import * as yaml from "js-yaml";
import MarkdownIt from "markdown-it";

const ROOT = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, ROOT), "utf8");
const md = new MarkdownIt("commonmark");

const LIST_LINE = /^ {0,3}(?:[-*+]|\d{1,9}[.)])(?: +|$)/;
const NOT_COMMONMARK_BULLET = /^\s*[•·▪–]\s/;
const ONLY_PLACEHOLDER = /^\s*\{[A-Za-z_][A-Za-z0-9_]*\}\s*$/;

/** A line of wrapped prose long enough that a break after it is the wrap (the widget's reading, see isSoftWrap). */
function wraps(line) {
  return line.trim().length >= 70;
}

/**
 * What is wrong with `text` as CommonMark: a list of problems (empty when clean). `wrapped`: the text is prose
 * hard-wrapped at a fixed width (the knowledge articles), where a single line break is a wrap unless the line is
 * short and ends a sentence; elsewhere (YAML strings are never wrapped) every single line break was meant.
 */
export function commonMarkProblems(text, { wrapped = false } = {}) {
  const problems = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let fenced = false;
  let meant = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced || !line.trim()) continue;
    if (NOT_COMMONMARK_BULLET.test(line)) problems.push(`"${line.trim().slice(0, 40)}": "•"-style bullet, not a CommonMark list`);
    const isList = LIST_LINE.test(line);
    if (isList) meant += 1;
    const next = lines[i + 1];
    if (next === undefined || !next.trim() || LIST_LINE.test(next) || ONLY_PLACEHOLDER.test(next) || ONLY_PLACEHOLDER.test(line)) continue;
    if (/^\s*(```|~~~)/.test(next) || /^\s{4,}/.test(next)) continue; // code, or an item's indented continuation
    if (isList) {
      problems.push(`"${next.trim().slice(0, 40)}": a paragraph right after a list item, without a blank line, is glued into the item`);
    } else if (!/( {2}|\\)$/.test(line) && (wrapped ? !wraps(line) && /[.!?]$/.test(line.trim()) : true)) {
      problems.push(`"${line.trim().slice(0, 40)}" / "${next.trim().slice(0, 40)}": a single line break, which CommonMark renders as a space (separate with a blank line, or make a list)`);
    }
  }
  const items = md.parse(text, {}).filter((token) => token.type === "list_item_open").length;
  if (items !== meant) problems.push(`${meant} list lines but ${items} list items in CommonMark (a numbered list after a paragraph must start at 1 or follow a blank line)`);
  return problems;
}

const fill = (text) => text.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name, offset, whole) => {
  const lineStart = whole.lastIndexOf("\n", offset) + 1;
  const lineEnd = whole.indexOf("\n", offset);
  const line = whole.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  return ONLY_PLACEHOLDER.test(line) ? all : "X";
});

function domainTexts() {
  const domain = yaml.load(read("domain.yml"));
  const texts = [];
  for (const [name, variations] of Object.entries(domain.responses || {})) {
    variations.forEach((variation, index) => {
      if (typeof variation.text !== "string") return;
      const language = (variation.condition || []).find((c) => c.name === "language")?.value || "en";
      const channel = variation.channel ? `, ${variation.channel}` : "";
      texts.push({ file: "domain.yml", key: `${name} [${index}: ${language}${channel}]`, text: fill(variation.text) });
    });
  }
  return texts;
}

/** The passages of one article, cut as bot/knowledge/articles.py cuts them. */
export function passages(source) {
  const body = source.replace(/^---\n[\s\S]*?\n---\n/, "");
  const sections = [];
  let heading = null;
  let lines = [];
  const flush = () => {
    const kept = [];
    let inQuestions = false;
    for (const line of lines) {
      const trimmed = line.trim();
      if (/^Questions\s?:\s*$/.test(trimmed)) { inQuestions = true; continue; }
      if (/^Source\s?:\s*\S/.test(trimmed) || /^(?:Reviewed|Vérifié le)\s?:\s*\S/.test(trimmed)) continue;
      if (inQuestions && /^\s*[-*]\s+/.test(line)) continue;
      if (inQuestions && trimmed) inQuestions = false;
      kept.push(line);
    }
    const text = kept.join("\n").trim();
    if (text) sections.push({ heading: heading ?? "(intro)", text });
  };
  for (const line of body.split("\n")) {
    const match = /^(#{1,6})\s+(.*)$/.exec(line);
    if (match && match[1].length === 1) continue;
    if (match) {
      flush();
      heading = match[2].trim();
      lines = [];
    } else lines.push(line);
  }
  flush();
  return sections;
}

function knowledgeTexts() {
  const texts = [];
  for (const language of ["en", "fr"]) {
    for (const name of readdirSync(new URL(`knowledge/${language}/`, ROOT)).filter((f) => f.endsWith(".md")).sort()) {
      for (const { heading, text } of passages(read(`knowledge/${language}/${name}`))) {
        texts.push({ file: `knowledge/${language}/${name}`, key: `§ ${heading}`, text, wrapped: true });
      }
    }
  }
  return texts;
}

function calculatorTexts() {
  const texts = [];
  const walk = (value, path) => {
    if (typeof value === "string") texts.push({ file: "bot/calculator/texts.yml", key: path.join("."), text: fill(value) });
    else if (value && typeof value === "object") for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
  };
  walk(yaml.load(read("bot/calculator/texts.yml")), []);
  return texts;
}

function failures(texts) {
  return texts
    .map(({ file, key, text, wrapped }) => ({ file, key, problems: commonMarkProblems(text, { wrapped }) }))
    .filter((found) => found.problems.length)
    .map(({ file, key, problems }) => `${file} ${key}: ${problems.join("; ")}`);
}

test("the checker itself: what CommonMark breaks and what it keeps", () => {
  assert.deepEqual(commonMarkProblems("Steps:\n\n1. one\n2. two\n\nDone."), []);
  assert.deepEqual(commonMarkProblems("To reach your CPAM:\n- by post;\n- by phone."), []); // a bullet list may interrupt a paragraph
  assert.equal(commonMarkProblems("Here is how:\n2. two\n3. three").length, 1); // not starting at 1: glued
  assert.equal(commonMarkProblems("Line one\nLine two").length, 1);
  assert.deepEqual(commonMarkProblems("A short wrapped line before a\n[link](https://x.fr).", { wrapped: true }), []);
  assert.equal(commonMarkProblems("Source: the page.\nReviewed: today.", { wrapped: true }).length, 1);
  assert.equal(commonMarkProblems("- one\n- two\nHave this ready.").length, 1);
  assert.equal(commonMarkProblems("• one\n• two").length, 3);
  const wrapped = "Order the card in your ameli account, or with the paper form the CPAM sends you by post. You need a\nrecent ID photo.";
  assert.deepEqual(commonMarkProblems(wrapped, { wrapped: true }), []);
  assert.equal(commonMarkProblems(wrapped).length, 1); // in a YAML string, the same break was meant
  assert.deepEqual(commonMarkProblems("A hard break  \nnext line"), []);
});

test("every response in domain.yml is CommonMark-clean", () => {
  const texts = domainTexts();
  assert.ok(texts.length > 100, `${texts.length} response texts`);
  assert.deepEqual(failures(texts), []);
});

test("every knowledge passage is CommonMark-clean", () => {
  const texts = knowledgeTexts();
  assert.ok(texts.length > 100, `${texts.length} passages`);
  assert.deepEqual(failures(texts), []);
});

test("every sentence of the calculator is CommonMark-clean", () => {
  const texts = calculatorTexts();
  assert.ok(texts.length > 50, `${texts.length} calculator texts`);
  assert.deepEqual(failures(texts), []);
});

test("the calculator's rendered explanations (GP, hospital, dental; English and French) are CommonMark-clean", async (t) => {
  const { existsSync } = await import("node:fs");
  const { spawnSync } = await import("node:child_process");
  const python = new URL(".venv/actions/bin/python", ROOT).pathname;
  if (!existsSync(python)) {
    t.skip("no .venv/actions (make install): the calculator cannot run");
    return;
  }
  const cases = [
    ["gp", "--price", "30", "--medecin-traitant", "yes", "--mutuelle", "none"],
    ["hospital", "--price", "1000", "--nights", "3"],
    ["dentist", "--price", "50", "--mutuelle", "100"],
  ];
  const found = [];
  for (const [care, ...options] of cases) {
    for (const language of ["en", "fr"]) {
      const run = spawnSync(python, ["-m", "bot", "calc", "--care", care, ...options, "--lang", language, "--json"],
        { cwd: new URL(".", ROOT).pathname, encoding: "utf8", timeout: 120000 });
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout);
      for (const key of ["headline", "main_assumption", "explanation"]) {
        if (typeof result[key] !== "string") continue;
        const problems = commonMarkProblems(result[key]);
        if (problems.length) found.push(`calc ${care} ${language} ${key}: ${problems.join("; ")}`);
      }
      assert.ok(md.parse(result.explanation, {}).some((token) => token.type === "ordered_list_open"), `${care} ${language}: steps as a list`);
    }
  }
  assert.deepEqual(found, []);
});

test("a letter in utter_letter keeps its lines in CommonMark (a fenced block), for every letter of the knowledge base", () => {
  const domain = yaml.load(read("domain.yml"));
  const letters = readdirSync(new URL("knowledge/fr/", ROOT)).filter((f) => /^letter-.*\.md$/.test(f));
  assert.ok(letters.length >= 1);
  for (const name of letters) {
    const letter = /```text\n([\s\S]*?)\n```/.exec(read(`knowledge/fr/${name}`))[1].trim();
    assert.ok(letter.split("\n").length > 3, name);
    for (const variation of domain.responses.utter_letter) {
      const text = variation.text.replace("{title}", "Relance").replace("{letter}", letter);
      assert.deepEqual(commonMarkProblems(text), [], name);
      const fences = md.parse(text, {}).filter((token) => token.type === "fence");
      assert.equal(fences.length, 1, `${name}: the letter is one fenced block`);
      assert.equal(fences[0].content, `${letter}\n`, `${name}: the letter's lines as written`);
    }
  }
});
