import { createParser, type EventSourceMessage } from "eventsource-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NdjsonDecoder } from "./ndjson-decoder.js";
import { SseDecoder, type SseEvent } from "./sse-decoder.js";
import { byteByByte, cut, decodeAll, everySplit, utf8 } from "./test-utils.js";

/** Text without line ends, rich in multi-byte characters (2-, 3- and 4-byte UTF-8, ZWJ emoji). */
const lineText = fc
  .oneof(
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.string({
      unit: fc.constantFrom(
        "a",
        " ",
        "{",
        '"',
        ":",
        "é",
        "Ω",
        "世",
        "界",
        "🦙",
        "👩‍💻",
        "\t",
        "\0",
      ),
      maxLength: 30,
    }),
  )
  .map((text) => text.replace(/[\r\n]/g, ""));

const lineEnd = fc.constantFrom("\n", "\r\n", "\r");

/** Random cut points (sorted, unique, inside the byte range) for `bytes`. */
const cutsOf = (bytes: Uint8Array) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 20 })
    .map((points) => points.filter((p) => p < bytes.length).sort((a, b) => a - b));

const isBlank = (line: string) => /^[ \t]*$/.test(line);

describe("NdjsonDecoder properties", () => {
  const body = fc
    .record({
      lines: fc.array(fc.tuple(lineText, lineEnd), { maxLength: 12 }),
      tail: fc.option(lineText, { nil: undefined }),
    })
    .map(({ lines, tail }) => ({
      text: lines.map(([line, end]) => line + end).join("") + (tail ?? ""),
      // What the body holds: every line, then the unterminated tail; blank ones are skipped.
      expected: [...lines.map(([line]) => line), ...(tail === undefined ? [] : [tail])].filter(
        (line) => !isBlank(line),
      ),
    }));

  it("yields the lines of the body, whatever the line ends", () => {
    fc.assert(
      fc.property(body, ({ text, expected }) => {
        expect(decodeAll(new NdjsonDecoder(), [utf8(text)])).toEqual(expected);
      }),
    );
  });

  it("yields the same lines for every random re-cut of the same bytes", () => {
    fc.assert(
      fc.property(
        body.chain(({ text }) => {
          const bytes = utf8(text);
          return fc.tuple(fc.constant(bytes), cutsOf(bytes));
        }),
        ([bytes, points]) => {
          const whole = decodeAll(new NdjsonDecoder(), [bytes]);
          expect(decodeAll(new NdjsonDecoder(), cut(bytes, points))).toEqual(whole);
        },
      ),
    );
  });

  it("yields the same lines for a cut at every single byte boundary (small inputs)", () => {
    fc.assert(
      fc.property(body, ({ text }) => {
        const bytes = utf8(text);
        fc.pre(bytes.length <= 160);
        const whole = decodeAll(new NdjsonDecoder(), [bytes]);
        for (const chunks of everySplit(bytes)) {
          expect(decodeAll(new NdjsonDecoder(), chunks)).toEqual(whole);
        }
        expect(decodeAll(new NdjsonDecoder(), byteByByte(bytes))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
});

describe("NdjsonDecoder on arbitrary bytes", () => {
  /** Line ends, bytes of multi-byte characters, their fragments, a BOM's, and any other byte. */
  const someByte = fc.oneof(
    fc.constantFrom(0x0a, 0x0d, 0x41, 0x20, 0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0xa6),
    fc.constantFrom(0x99, 0x80, 0xbf, 0xff, 0xef, 0xbb, 0xed, 0xa0),
    fc.integer({ min: 0, max: 255 }),
  );
  const bytesAndCuts = fc
    .tuple(fc.boolean(), fc.array(someByte, { maxLength: 60 }))
    .map(([bom, list]) => Uint8Array.from(bom ? [0xef, 0xbb, 0xbf, ...list] : list))
    .chain((bytes) => fc.tuple(fc.constant(bytes), cutsOf(bytes)));

  /** What decoding the whole body with `TextDecoder` and splitting the text gives. */
  const reference = (bytes: Uint8Array) =>
    new TextDecoder()
      .decode(bytes)
      .split(/\r\n|\n|\r/)
      .filter((line) => !/^[ \t]*$/.test(line));

  it("yields what a whole-body TextDecoder would, invalid UTF-8 and a BOM included", () => {
    fc.assert(
      fc.property(bytesAndCuts, ([bytes, points]) => {
        expect(decodeAll(new NdjsonDecoder(), cut(bytes, points))).toEqual(reference(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("SseDecoder properties", () => {
  /** One line of an SSE stream, as the server would write it. */
  const sseLine = fc.oneof(
    { weight: 5, arbitrary: lineText.map((value) => `data: ${value}`) },
    { weight: 1, arbitrary: lineText.map((value) => `data:${value}`) },
    { weight: 1, arbitrary: fc.constant("data") },
    { weight: 2, arbitrary: lineText.map((value) => `event: ${value}`) },
    { weight: 2, arbitrary: lineText.map((value) => `id: ${value.replace(/\0/g, "")}`) },
    { weight: 1, arbitrary: fc.nat({ max: 100_000 }).map((ms) => `retry: ${ms}`) },
    { weight: 1, arbitrary: lineText.map((value) => `:${value}`) },
    { weight: 1, arbitrary: lineText.map((value) => `x-unknown: ${value}`) },
    { weight: 3, arbitrary: fc.constant("") },
  );

  /** A valid stream: random lines with random line ends, ending in a blank line. */
  const stream = fc
    .array(fc.tuple(sseLine, lineEnd), { maxLength: 16 })
    .map((lines) => `${lines.map(([line, end]) => line + end).join("")}\n\n`);

  const ours = (chunks: Uint8Array[]) =>
    decodeAll(new SseDecoder(), chunks).map(({ data, event, id }: SseEvent) =>
      strip({ data, event, id }),
    );

  const oracle = (text: string) => {
    const out: Record<string, string>[] = [];
    const parser = createParser({
      onEvent: ({ data, event, id }: EventSourceMessage) => out.push(strip({ data, event, id })),
    });
    parser.feed(text);
    return out;
  };

  it("yields the same events (data, event, id) as eventsource-parser", () => {
    fc.assert(
      fc.property(stream, (text) => {
        expect(ours([utf8(text)])).toEqual(oracle(text));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with eventsource-parser on OpenAI-shaped streams", () => {
    const chunk = fc
      .record({ content: lineText, index: fc.nat(3) })
      .map(
        (c) =>
          `data: ${JSON.stringify({ choices: [{ index: c.index, delta: { content: c.content } }] })}`,
      );
    const openAiStream = fc
      .tuple(fc.array(chunk, { maxLength: 8 }), lineEnd)
      .map(
        ([lines, end]) => `${[...lines, "data: [DONE]"].map((l) => l + end + end).join("")}\n\n`,
      );
    fc.assert(
      fc.property(openAiStream, (text) => {
        const events = ours([utf8(text)]);
        expect(events).toEqual(oracle(text));
        expect(events.at(-1)).toEqual({ data: "[DONE]" });
      }),
    );
  });

  it("yields the same events for every random re-cut of the same bytes", () => {
    fc.assert(
      fc.property(
        stream.chain((text) => {
          const bytes = utf8(text);
          return fc.tuple(fc.constant(bytes), cutsOf(bytes));
        }),
        ([bytes, points]) => {
          const whole = decodeAll(new SseDecoder(), [bytes]);
          expect(decodeAll(new SseDecoder(), cut(bytes, points))).toEqual(whole);
        },
      ),
    );
  });

  it("yields the same events for a cut at every single byte boundary (small inputs)", () => {
    fc.assert(
      fc.property(stream, (text) => {
        const bytes = utf8(text);
        fc.pre(bytes.length <= 160);
        const whole = decodeAll(new SseDecoder(), [bytes]);
        for (const chunks of everySplit(bytes)) {
          expect(decodeAll(new SseDecoder(), chunks)).toEqual(whole);
        }
        expect(decodeAll(new SseDecoder(), byteByByte(bytes))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });
});

/** Drops `undefined` fields so both parsers' events compare structurally. */
function strip(event: { data: string; event?: string | undefined; id?: string | undefined }) {
  const out: Record<string, string> = { data: event.data };
  if (event.event !== undefined) out.event = event.event;
  if (event.id !== undefined) out.id = event.id;
  return out;
}
