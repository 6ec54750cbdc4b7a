// A small, safe Markdown renderer for model output. parseMarkdown() turns text into a tree of
// plain objects whose tags come from a fixed list; renderMarkdown() builds DOM elements from it
// with createElement and text nodes only. Nothing from the model is ever parsed as HTML, and a
// link keeps its href only for http, https and mailto. Unclosed constructs (a code fence still
// streaming) render as if closed.
//
// Covered: paragraphs (single newlines are line breaks, as chat users expect), ATX headings,
// fenced code blocks (``` or ~~~, with a language), bullet and numbered lists (nested by
// indentation), block quotes, horizontal rules, pipe tables; inline code, **bold**, *italic*,
// ~~strike~~, [links](https://…), bare https:// links and backslash escapes.

/** Tags the renderer may create, and nothing else. */
export const TAGS = new Set([
  "p",
  "br",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "pre",
  "code",
  "ul",
  "ol",
  "li",
  "blockquote",
  "hr",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "strong",
  "em",
  "del",
  "a",
  "span",
]);

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:\s+(.*))?$/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/** `href` for a link target, or undefined when it is not an absolute http(s)/mailto URL. */
export function safeHref(target) {
  let url;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  return url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:"
    ? url.href
    : undefined;
}

const INLINE = new RegExp(
  [
    /\\([\\`*_{}[\]()#+\-.!~|>])/.source, // 1: escaped character
    /(`+)([^`]|[^`][\s\S]*?[^`])\2(?!`)/.source, // 2, 3: code span
    /\*\*(?=\S)([\s\S]*?\S)\*\*/.source, // 4: strong
    /__(?=\S)([\s\S]*?\S)__(?!\w)/.source, // 5: strong
    /~~(?=\S)([\s\S]*?\S)~~/.source, // 6: strike
    /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source, // 7: emphasis
    /(?<!\w)_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/.source, // 8: emphasis
    /\[([^\]\n]+)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/.source, // 9, 10: link
    /(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"*_~])/.source, // 11: bare link
  ].join("|"),
);

/** Parses inline Markdown into text strings and nodes. */
export function parseInline(text) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const match = INLINE.exec(rest);
    if (!match) break;
    if (match.index > 0) pushText(out, rest.slice(0, match.index));
    const node = inlineNode(match);
    if (typeof node === "string") pushText(out, node);
    else out.push(node);
    rest = rest.slice(match.index + match[0].length);
  }
  if (rest.length > 0) pushText(out, rest);
  return out;
}

function pushText(out, text) {
  if (typeof out[out.length - 1] === "string") out[out.length - 1] += text;
  else out.push(text);
}

function inlineNode(m) {
  if (m[1] !== undefined) return m[1];
  if (m[3] !== undefined) return { t: "code", text: m[3].replace(/^ (.*) $/s, "$1") };
  if (m[4] !== undefined) return { t: "strong", c: parseInline(m[4]) };
  if (m[5] !== undefined) return { t: "strong", c: parseInline(m[5]) };
  if (m[6] !== undefined) return { t: "del", c: parseInline(m[6]) };
  if (m[7] !== undefined) return { t: "em", c: parseInline(m[7]) };
  if (m[8] !== undefined) return { t: "em", c: parseInline(m[8]) };
  if (m[9] !== undefined) {
    const href = safeHref(m[10]);
    const label = parseInline(m[9]);
    // An unsafe target (javascript:, data:, relative) keeps its text and loses the link.
    return href ? { t: "a", href, c: label } : { t: "span", c: [...label, ` (${m[10]})`] };
  }
  const href = safeHref(m[11]);
  return href ? { t: "a", href, c: [m[11]] } : m[11];
}

/** Inline content of a paragraph: lines separated by `br`. */
function inlineLines(lines) {
  const out = [];
  lines.forEach((line, index) => {
    if (index > 0) out.push({ t: "br" });
    out.push(...parseInline(line.trim()));
  });
  return out;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function startsBlock(line, next) {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    ITEM.test(line) ||
    (line.includes("|") && next !== undefined && TABLE_RULE.test(next) && next.includes("-"))
  );
}

/** Parses Markdown text into block nodes. */
export function parseMarkdown(text) {
  return parseBlocks(String(text).replace(/\r\n?/g, "\n").split("\n"));
}

function parseBlocks(lines) {
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const body = [];
      i++;
      while (i < lines.length) {
        const close = lines[i].trim();
        if (close.startsWith(marker[0].repeat(marker.length)) && /^(`+|~+)$/.test(close)) break;
        body.push(lines[i]);
        i++;
      }
      i++; // the closing fence (or the end of an answer still streaming)
      const lang = fence[2].replace(/[^\w+#.-]/g, "");
      blocks.push({
        t: "pre",
        c: [{ t: "code", text: body.join("\n"), ...(lang ? { lang } : {}) }],
      });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ t: `h${heading[1].length}`, c: parseInline(heading[2] ?? "") });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ t: "hr" });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && lines[i].trim() !== "" && QUOTE.test(lines[i])) {
        body.push(QUOTE.exec(lines[i])[1]);
        i++;
      }
      blocks.push({ t: "blockquote", c: parseBlocks(body) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      i = parseList(lines, i, blocks);
      continue;
    }
    const next = lines[i + 1];
    if (line.includes("|") && next !== undefined && TABLE_RULE.test(next) && next.includes("-")) {
      const head = splitRow(line);
      const rows = [];
      i += 2;
      while (i < lines.length && lines[i].includes("|") && lines[i].trim() !== "") {
        rows.push(splitRow(lines[i]));
        i++;
      }
      const cells = (row, tag) => head.map((_, n) => ({ t: tag, c: parseInline(row[n] ?? "") }));
      blocks.push({
        t: "table",
        c: [
          { t: "thead", c: [{ t: "tr", c: cells(head, "th") }] },
          { t: "tbody", c: rows.map((row) => ({ t: "tr", c: cells(row, "td") })) },
        ],
      });
      continue;
    }
    const paragraph = [line];
    i++;
    while (i < lines.length && lines[i].trim() !== "" && !startsBlock(lines[i], lines[i + 1])) {
      paragraph.push(lines[i]);
      i++;
    }
    blocks.push({ t: "p", c: inlineLines(paragraph) });
  }
  return blocks;
}

/** Parses a list starting at `lines[start]`; appends it to `blocks` and returns the next index. */
function parseList(lines, start, blocks) {
  const first = ITEM.exec(lines[start]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const list = { t: ordered ? "ol" : "ul", c: [] };
  if (ordered && Number.parseInt(first[2], 10) !== 1) list.start = Number.parseInt(first[2], 10);
  let i = start;
  let loose = true; // an item follows (after blank lines, for a loose list)
  while (i < lines.length && loose) {
    const item = ITEM.exec(lines[i]);
    if (!item || item[1].length !== indent || /\d/.test(item[2]) !== ordered) break;
    const body = [item[3] ?? ""];
    const contentIndent = indent + item[2].length + 1;
    i++;
    // The item's own lines: indented continuation lines (nested lists included), and blank
    // lines followed by more of them.
    while (i < lines.length) {
      const line = lines[i];
      const lead = line.length - line.trimStart().length;
      if (line.trim() === "") {
        const after = lines[i + 1];
        if (after === undefined || after.trim() === "") break;
        const afterLead = after.length - after.trimStart().length;
        if (afterLead < contentIndent) break;
        body.push("");
        i++;
        continue;
      }
      if (lead > indent) {
        body.push(line.slice(Math.min(lead, contentIndent)));
        i++;
        continue;
      }
      if (ITEM.test(line) || startsBlock(line, lines[i + 1])) break;
      body.push(line.trim()); // a lazy continuation of the item's paragraph
      i++;
    }
    const children = parseBlocks(body);
    // A tight item is just its text, not a paragraph inside the item.
    const content =
      children[0]?.t === "p" && !body.includes("")
        ? [...children[0].c, ...children.slice(1)]
        : children;
    list.c.push({ t: "li", c: content });
    while (loose && i < lines.length && lines[i].trim() === "") {
      const after = ITEM.exec(lines[i + 1] ?? "");
      if (after && after[1].length === indent) i++;
      else loose = false;
    }
  }
  blocks.push(list);
  return i;
}

/** Builds DOM nodes for parsed Markdown: createElement and text nodes only. */
export function renderNodes(nodes, doc) {
  const fragment = doc.createDocumentFragment();
  for (const node of nodes) fragment.appendChild(renderNode(node, doc));
  return fragment;
}

function renderNode(node, doc) {
  if (typeof node === "string") return doc.createTextNode(node);
  const tag = TAGS.has(node.t) ? node.t : undefined;
  if (!tag) return doc.createTextNode("");
  const element = doc.createElement(tag);
  if (tag === "a" && node.href) {
    element.setAttribute("href", node.href);
    element.setAttribute("target", "_blank");
    element.setAttribute("rel", "noopener noreferrer nofollow");
  }
  if (tag === "ol" && Number.isInteger(node.start))
    element.setAttribute("start", String(node.start));
  if (tag === "code" && node.lang) {
    element.className = `language-${node.lang}`;
    element.dataset.lang = node.lang;
  }
  if (node.text !== undefined) element.textContent = node.text;
  for (const child of node.c ?? []) element.appendChild(renderNode(child, doc));
  return element;
}

/** Parses and renders Markdown `text` into a DocumentFragment. */
export function renderMarkdown(text, doc = document) {
  return renderNodes(parseMarkdown(text), doc);
}
