import { existsSync, readFileSync } from "node:fs";

/** One file of the web page, as served. */
export interface PageFile {
  /** URL path. */
  path: string;
  /** `content-type`. */
  type: string;
  /** The bytes. */
  body: Buffer;
}

const NAMES: readonly [path: string, file: string, type: string][] = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/style.css", "style.css", "text/css; charset=utf-8"],
  ["/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/conversation.js", "conversation.js", "text/javascript; charset=utf-8"],
  ["/markdown.js", "markdown.js", "text/javascript; charset=utf-8"],
  ["/render.js", "render.js", "text/javascript; charset=utf-8"],
  ["/sse.js", "sse.js", "text/javascript; charset=utf-8"],
];

/**
 * The page is plain files in `src/web/public/` (ES modules the browser loads as they are: no
 * bundler). This module runs from `src/web/` under tests and from the bundled `dist/cli.js`, so
 * the folder is looked up from both places.
 */
function publicFolder(): URL {
  const candidates = [
    new URL("./public/", import.meta.url),
    new URL("../src/web/public/", import.meta.url),
  ];
  const found = candidates.find((folder) => existsSync(new URL("index.html", folder)));
  if (!found) throw new Error("web page files not found (expected apps/demo/src/web/public/)");
  return found;
}

/** Reads every file of the page (once, when the server starts). */
export function readPageFiles(): PageFile[] {
  const folder = publicFolder();
  return NAMES.map(([path, file, type]) => ({
    path,
    type,
    body: readFileSync(new URL(file, folder)),
  }));
}
