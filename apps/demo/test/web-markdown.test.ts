import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type MarkdownModule,
  type MarkdownNode as Node,
  pageModule,
} from "./browser/page-modules.js";

// The page's own module, loaded as the browser loads it (plain JavaScript, no build step).
const { parseInline, parseMarkdown, safeHref, TAGS } =
  await pageModule<MarkdownModule>("markdown.js");

/** Every tag a parsed tree would create. */
function tagsOf(nodes: Node[]): string[] {
  return nodes.flatMap((node) =>
    typeof node === "string" ? [] : [node.t, ...tagsOf(node.c ?? [])],
  );
}

/** The text a parsed tree shows. */
function textOf(nodes: Node[]): string {
  return nodes
    .map((node) => (typeof node === "string" ? node : (node.text ?? textOf(node.c ?? []))))
    .join("");
}

describe("the page's Markdown renderer", () => {
  it("renders a fenced code block with its language, keeping HTML inside as text", () => {
    const tree = parseMarkdown("Here:\n\n```js\nconst a = '<b>x</b>';\n```\nafter");
    expect(tree).toEqual([
      { t: "p", c: ["Here:"] },
      { t: "pre", c: [{ t: "code", text: "const a = '<b>x</b>';", lang: "js" }] },
      { t: "p", c: ["after"] },
    ]);
  });

  it("renders a code fence that is still streaming as a code block", () => {
    expect(parseMarkdown("```py\nprint(1)\nprint(2")).toEqual([
      { t: "pre", c: [{ t: "code", text: "print(1)\nprint(2", lang: "py" }] },
    ]);
  });

  it("never turns model HTML into elements: tags stay text", () => {
    const input = '<img src=x onerror="alert(1)"> <script>alert(2)</script> **<i>bold</i>**';
    const tree = parseMarkdown(input);
    expect(tagsOf(tree)).toEqual(["p", "strong"]);
    expect(textOf(tree)).toBe(
      '<img src=x onerror="alert(1)"> <script>alert(2)</script> <i>bold</i>',
    );
    for (const tag of tagsOf(
      parseMarkdown(`# t\n- a\n> q\n\n| a |\n|---|\n| b |\n\n---\n${input}`),
    ))
      expect(TAGS.has(tag)).toBe(true);
  });

  it("keeps a link only for http, https and mailto", () => {
    expect(safeHref("https://example.com/a?b=1")).toBe("https://example.com/a?b=1");
    expect(safeHref("mailto:a@example.com")).toBe("mailto:a@example.com");
    expect(safeHref("javascript:alert(1)")).toBeUndefined();
    expect(safeHref("JaVaScRiPt:alert(1)")).toBeUndefined();
    expect(safeHref("data:text/html,<script>")).toBeUndefined();
    expect(safeHref("/relative")).toBeUndefined();
    expect(parseInline("[go](javascript:alert(1)) and [site](https://e.com)")).toEqual([
      { t: "span", c: ["go", " (javascript:alert(1)"] },
      ") and ",
      { t: "a", href: "https://e.com/", c: ["site"] },
    ]);
  });

  it("renders inline code, emphasis, strike, bare links and escapes", () => {
    expect(parseInline("`a*b*` **bold** *it* ~~gone~~ \\*not\\* see https://x.org/p.")).toEqual([
      { t: "code", text: "a*b*" },
      " ",
      { t: "strong", c: ["bold"] },
      " ",
      { t: "em", c: ["it"] },
      " ",
      { t: "del", c: ["gone"] },
      " *not* see ",
      { t: "a", href: "https://x.org/p", c: ["https://x.org/p"] },
      ".",
    ]);
    expect(parseInline("2 * 3 * 4 and snake_case_name")).toEqual(["2 * 3 * 4 and snake_case_name"]);
  });

  it("renders lists (nested), quotes, headings, rules, tables and line breaks", () => {
    const tree = parseMarkdown(
      "## Plan\n1. one\n2. two\n   - sub\n\n> said\n\n---\n| a | b |\n|:--|--:|\n| 1 | `2` |\nline one\nline two",
    );
    expect(tree).toEqual([
      { t: "h2", c: ["Plan"] },
      {
        t: "ol",
        c: [
          { t: "li", c: ["one"] },
          { t: "li", c: ["two", { t: "ul", c: [{ t: "li", c: ["sub"] }] }] },
        ],
      },
      { t: "blockquote", c: [{ t: "p", c: ["said"] }] },
      { t: "hr" },
      {
        t: "table",
        c: [
          {
            t: "thead",
            c: [
              {
                t: "tr",
                c: [
                  { t: "th", c: ["a"] },
                  { t: "th", c: ["b"] },
                ],
              },
            ],
          },
          {
            t: "tbody",
            c: [
              {
                t: "tr",
                c: [
                  { t: "td", c: ["1"] },
                  { t: "td", c: [{ t: "code", text: "2" }] },
                ],
              },
            ],
          },
        ],
      },
      { t: "p", c: ["line one", { t: "br" }, "line two"] },
    ]);
  });

  it("is the only way model text reaches the DOM: no page script assigns HTML", () => {
    const folder = new URL("../src/web/public/", import.meta.url);
    const scripts = readdirSync(folder).filter((name) => name.endsWith(".js"));
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    for (const name of scripts) {
      const source = readFileSync(new URL(name, folder), "utf8");
      expect(source, name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
      );
    }
  });
});
