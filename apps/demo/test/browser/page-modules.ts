/**
 * The web page's modules are plain JavaScript files the browser loads as they are
 * (src/web/public/). Tests load the same files; these are the shapes they use.
 */

/** A parsed Markdown node: text, or an element with children or text. */
export type MarkdownNode =
  | string
  | { t: string; c?: MarkdownNode[]; text?: string; href?: string; lang?: string; start?: number };

/** src/web/public/markdown.js */
export interface MarkdownModule {
  TAGS: Set<string>;
  parseMarkdown(text: string): MarkdownNode[];
  parseInline(text: string): MarkdownNode[];
  safeHref(target: string): string | undefined;
}

/** A conversation turn (see src/web/public/conversation.js). */
export type Turn = Record<string, unknown> & { role: "user" | "assistant" };

/** src/web/public/conversation.js */
export interface ConversationModule {
  STORAGE_KEY: string;
  userTurn(content: string): Turn;
  assistantTurn(): Turn;
  applyChunk(turn: Turn, chunk: unknown): void;
  applyToolResult(turn: Turn, result: { id: string; name: string; content: string }): void;
  applyChainEvent(turn: Turn, event: unknown): void;
  finishTurn(turn: Turn, status: string, error?: string): void;
  answerText(turn: Turn): string;
  toApiMessages(turns: Turn[]): Record<string, unknown>[];
  withoutLastAnswer(turns: Turn[]): Turn[];
  save(storage: { setItem(key: string, value: string): void }, turns: Turn[]): void;
  load(storage: { getItem(key: string): string | null }): Turn[];
  trailRows(trail: unknown[]): Record<string, unknown>[];
  describeEvent(event: unknown): string;
}

/** src/web/public/sse.js */
export interface SseModule {
  readEvents(body: ReadableStream<Uint8Array>): AsyncIterable<{ event: string; data: string }>;
  parseEvent(block: string): { event: string; data: string } | undefined;
}

/** Imports one of the page's modules by file name. */
export async function pageModule<T>(name: string): Promise<T> {
  return (await import(new URL(`../../src/web/public/${name}`, import.meta.url).href)) as T;
}
