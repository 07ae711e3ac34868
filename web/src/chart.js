// The calculator's cost breakdown as a stacked bar (SVG) with a table beside it: the table is what screen readers
// and copy-paste get, the bar is for the eye (aria-hidden), then the calculation behind a disclosure.

import { renderMarkdown } from "./markdown.js";

const SVG = "http://www.w3.org/2000/svg";

function formatMoney(amount, currency, language) {
  try {
    return new Intl.NumberFormat(language === "fr" ? "fr-FR" : "en-GB", { style: "currency", currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

function formatPercent(value, language) {
  const number = new Intl.NumberFormat(language === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 1 }).format(value);
  return language === "fr" ? `${number}\u00a0%` : `${number}%`; // French typography spaces the sign
}

function formatDate(iso, language) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!match) return iso || "";
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return new Intl.DateTimeFormat(language === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long", timeZone: "UTC" }).format(date);
}

export function renderCostBreakdown(doc, entry, labels) {
  const language = entry.lang;
  const total = entry.parts.reduce((sum, p) => sum + p.amount, 0) || 1;
  const figure = doc.createElement("figure");
  figure.className = "es-cost";
  figure.setAttribute("lang", language);

  const caption = doc.createElement("figcaption");
  const heading = doc.createElement("strong");
  heading.textContent = labels.costTitle;
  caption.appendChild(heading);
  if (entry.billed !== null) {
    caption.appendChild(doc.createTextNode(` · ${labels.billed} ${formatMoney(entry.billed, entry.currency, language)}`));
  }
  if (entry.date) caption.appendChild(doc.createTextNode(` · ${labels.estimateOn} ${formatDate(entry.date, language)}`));
  figure.appendChild(caption);

  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 100 12");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "es-cost-bar");
  // For the eye only: the table below carries the same figures, and screen readers read them once, there.
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  let x = 0;
  for (const part of entry.parts) {
    const width = (part.amount / total) * 100;
    if (width <= 0) continue;
    const rect = doc.createElementNS(SVG, "rect");
    rect.setAttribute("x", x.toFixed(3));
    rect.setAttribute("y", "0");
    rect.setAttribute("width", width.toFixed(3));
    rect.setAttribute("height", "12");
    rect.setAttribute("class", `es-part-${part.part}`);
    rect.setAttribute("data-part", part.part);
    const title = doc.createElementNS(SVG, "title");
    title.textContent = `${part.label}: ${formatMoney(part.amount, entry.currency, language)}`;
    rect.appendChild(title);
    svg.appendChild(rect);
    x += width;
  }
  figure.appendChild(svg);

  const table = doc.createElement("table");
  table.className = "es-cost-table";
  for (const part of entry.parts) {
    const row = doc.createElement("tr");
    row.setAttribute("data-part", part.part);
    const name = doc.createElement("th");
    name.setAttribute("scope", "row");
    const swatch = doc.createElement("span");
    swatch.className = `es-swatch es-part-${part.part}`;
    swatch.setAttribute("aria-hidden", "true");
    name.appendChild(swatch);
    name.appendChild(doc.createTextNode(part.label));
    const amount = doc.createElement("td");
    amount.textContent = formatMoney(part.amount, entry.currency, language);
    const percent = doc.createElement("td");
    percent.textContent = part.percent === null ? "" : formatPercent(part.percent, language);
    row.append(name, amount, percent);
    table.appendChild(row);
  }
  figure.appendChild(table);

  // "How this is calculated": the calculator's steps, assumptions and dated, sourced rules (`details`, CommonMark),
  // one click away; payloads without it (older servers) put their explanation in `text`.
  const calculation = entry.details || entry.text;
  if (calculation) {
    const details = doc.createElement("details");
    details.className = "es-cost-details";
    const summaryElement = doc.createElement("summary");
    summaryElement.textContent = labels.costDetails;
    details.appendChild(summaryElement);
    const body = doc.createElement("div");
    body.className = "es-cost-details-body";
    body.appendChild(renderMarkdown(doc, calculation, labels));
    details.appendChild(body);
    figure.appendChild(details);
  }
  return figure;
}
