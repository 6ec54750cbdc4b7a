import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/errors.js";
import { decodeSse, SseDecoder, type SseDecoderOptions, type SseEvent } from "./sse-decoder.js";
import { byteByByte, cut, decodeAll, everySplit, trackedSource, utf8 } from "./test-utils.js";

const events = (
  text: string,
  chunks?: (bytes: Uint8Array) => Uint8Array[],
  options?: SseDecoderOptions,
): SseEvent[] => {
  const bytes = utf8(text);
  return decodeAll(new SseDecoder(options), chunks ? chunks(bytes) : [bytes]);
};

describe("SseDecoder", () => {
  it.each([
    ["LF", "data: a\n\ndata: b\n\n"],
    ["CRLF", "data: a\r\n\r\ndata: b\r\n\r\n"],
    ["CR", "data: a\r\rdata: b\r\r"],
    ["mixed", "data: a\r\n\ndata: b\r\r\n"],
  ])("splits %s line ends", (_name, text) => {
    const expected = [{ data: "a" }, { data: "b" }];
    expect(events(text)).toEqual(expected);
    expect(events(text, byteByByte)).toEqual(expected);
  });

  it("treats CRLF split across chunks as one line end (no extra blank line)", () => {
    const decoder = new SseDecoder();
    expect(decoder.push(utf8("data: a\r"))).toEqual([]);
    expect(decoder.push(utf8("\ndata: b\r"))).toEqual([]);
    expect(decoder.push(utf8("\n\r"))).toEqual([{ data: "a\nb" }]);
    expect(decoder.push(utf8("\n"))).toEqual([]);
    expect(decoder.end()).toEqual([]);
  });

  it("reads OpenAI-style chunks and [DONE]", () => {
    const text = 'data: {"id":"1","choices":[]}\n\ndata: [DONE]\n\n';
    expect(events(text)).toEqual([{ data: '{"id":"1","choices":[]}' }, { data: "[DONE]" }]);
  });

  it("joins multi-line data with LF", () => {
    expect(events("data: one\ndata: two\ndata:\ndata: three\n\n")).toEqual([
      { data: "one\ntwo\n\nthree" },
    ]);
  });

  it("reads event, id and retry fields", () => {
    expect(events("event: error\nid: 7\nretry: 1500\ndata: {}\n\n")).toEqual([
      { event: "error", id: "7", retry: 1500, data: "{}" },
    ]);
  });

  it("does not carry event, id or retry over to the next event", () => {
    expect(events("event: x\nid: 1\nretry: 5\ndata: a\n\ndata: b\n\n")).toEqual([
      { event: "x", id: "1", retry: 5, data: "a" },
      { data: "b" },
    ]);
  });

  it("ignores an invalid retry and an id containing NUL", () => {
    expect(events("retry: 1.5\nretry: x\nretry:\nid: a\0b\ndata: a\n\n")).toEqual([{ data: "a" }]);
    expect(events("id: 1\nid: a\0b\ndata: a\n\n")).toEqual([{ id: "1", data: "a" }]);
  });

  it("treats an empty event name as the default type", () => {
    expect(events("event:\ndata: a\n\n")).toEqual([{ data: "a" }]);
  });

  it("keeps an empty id", () => {
    expect(events("id:\ndata: a\n\n")).toEqual([{ id: "", data: "a" }]);
  });

  it("strips exactly one space after the colon", () => {
    expect(events("data:a\n\ndata:  b \n\n")).toEqual([{ data: "a" }, { data: " b " }]);
  });

  it("treats a field without a colon as the field with an empty value", () => {
    expect(events("data\n\n")).toEqual([{ data: "" }]);
    expect(events("data\ndata\n\n")).toEqual([{ data: "\n" }]);
    expect(events("event\ndata: a\n\n")).toEqual([{ data: "a" }]);
  });

  it("ignores unknown fields, field names are case-sensitive", () => {
    expect(events("foo: bar\nData: x\ndata: a\n\n")).toEqual([{ data: "a" }]);
  });

  it("hands unknown fields to onField, which may emit an event in stream order", () => {
    const seen: [string, string][] = [];
    const onField = (name: string, value: string): SseEvent | undefined => {
      seen.push([name, value]);
      return name === "error" ? { data: value, event: "error" } : undefined;
    };
    const text = 'data: a\n\nfoo: bar\nerror: {"code":500}\n\ndata: b\n\n';
    const expected = [{ data: "a" }, { data: '{"code":500}', event: "error" }, { data: "b" }];
    expect(events(text, undefined, { onField })).toEqual(expected);
    expect(events(text, byteByByte, { onField })).toEqual(expected);
    expect(seen.slice(0, 2)).toEqual([
      ["foo", "bar"],
      ["error", '{"code":500}'],
    ]);
    expect(events(text)).toEqual([{ data: "a" }, { data: "b" }]);
  });

  it("dispatches nothing for an event without data lines", () => {
    expect(events("event: ping\nid: 3\n\n\n\ndata: a\n\n")).toEqual([{ data: "a" }]);
  });

  it("dispatches an event with empty data", () => {
    expect(events("data:\n\n")).toEqual([{ data: "" }]);
  });

  it("reports comments (keep-alives) to onComment and otherwise skips them", () => {
    const comments: string[] = [];
    const text = ": ping\n:no-space\ndata: a\n: inside\ndata: b\n\n:\n";
    expect(events(text, undefined, { onComment: (c) => comments.push(c) })).toEqual([
      { data: "a\nb" },
    ]);
    expect(comments).toEqual(["ping", "no-space", "inside", ""]);
    expect(events(text)).toEqual([{ data: "a\nb" }]);
  });

  it("delivers a pending event from end() when the body ends without a blank line", () => {
    const decoder = new SseDecoder();
    expect(decoder.push(utf8("data: a\n\ndata: b\nevent: last"))).toEqual([{ data: "a" }]);
    expect(decoder.end()).toEqual([{ event: "last", data: "b" }]);
  });

  it("delivers a final line without a line end", () => {
    expect(events("data: a")).toEqual([{ data: "a" }]);
    expect(events("data: a\r")).toEqual([{ data: "a" }]);
  });

  it("decodes multi-byte UTF-8 split at every byte boundary", () => {
    const text = 'data: {"t":"héllo 世界 🦙"}\r\n\r\ndata: 👩‍💻\n\n';
    const expected = [{ data: '{"t":"héllo 世界 🦙"}' }, { data: "👩‍💻" }];
    for (const chunks of everySplit(utf8(text))) {
      expect(events(text, () => chunks)).toEqual(expected);
    }
    expect(events(text, byteByByte)).toEqual(expected);
  });

  it("strips a UTF-8 byte order mark at the start", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("data: a\n\n")]);
    expect(decodeAll(new SseDecoder(), cut(bytes, [1, 2]))).toEqual([{ data: "a" }]);
  });

  describe("maxFrameSize", () => {
    it("accepts lines and joined data of exactly the limit", () => {
      // Lines of 11 and 12 characters; data "12345\n123456" of 12.
      expect(events("data: 12345\ndata: 123456\n\n", undefined, { maxFrameSize: 12 })).toEqual([
        { data: "12345\n123456" },
      ]);
    });

    it("throws ProtocolError for a long line inside one chunk", () => {
      const decoder = new SseDecoder({ maxFrameSize: 16, provider: "openai" });
      let caught: unknown;
      try {
        decoder.push(utf8(`data: ok\n\ndata: ${"x".repeat(20)}\n\n`));
      } catch (error) {
        caught = error;
      }
      expect(ProtocolError.isInstance(caught)).toBe(true);
      expect((caught as ProtocolError).reason).toBe("oversize_frame");
      expect((caught as ProtocolError).provider).toBe("openai");
      expect((caught as ProtocolError).position).toBe(10);
    });

    it("throws once a pending line grows past the limit across chunks", () => {
      const decoder = new SseDecoder({ maxFrameSize: 16 });
      decoder.push(utf8("data: 0123456789"));
      expect(() => decoder.push(utf8("0123456789"))).toThrow(ProtocolError);
    });

    it("throws for multi-line data over the limit (each line under it)", () => {
      const decoder = new SseDecoder({ maxFrameSize: 16 });
      let caught: unknown;
      try {
        decoder.push(utf8("data: 0123456789\ndata: 0123456789\n\n"));
      } catch (error) {
        caught = error;
      }
      expect(ProtocolError.isInstance(caught)).toBe(true);
      expect((caught as ProtocolError).message).toContain("SSE event exceeds");
      expect((caught as ProtocolError).excerpt).toBe("0123456789");
    });

    it("counts the joining LF towards the limit", () => {
      expect(() => events("data: 1234\ndata: 1234\n\n", undefined, { maxFrameSize: 8 })).toThrow(
        ProtocolError,
      );
    });

    it("throws for multi-line data whose lines arrive in separate chunks", () => {
      const decoder = new SseDecoder({ maxFrameSize: 32 });
      for (let i = 0; i < 3; i++) decoder.push(utf8("data: 0123456789\n"));
      expect(() => decoder.push(utf8("data: 0123456789\n"))).toThrow(ProtocolError);
    });

    it("uses createError for both kinds of oversize", () => {
      class OpenAIProtocolError extends ProtocolError {}
      const createError = (info: { message: string; excerpt: string; position: number }) =>
        new OpenAIProtocolError(info.message, {
          provider: "openai",
          reason: "oversize_frame",
          excerpt: info.excerpt,
          position: info.position,
        });
      expect(() =>
        events(`data: ${"x".repeat(10)}\n`, undefined, { maxFrameSize: 8, createError }),
      ).toThrow(OpenAIProtocolError);
      expect(() =>
        events("data: 1234\ndata: 1234\n", undefined, { maxFrameSize: 8, createError }),
      ).toThrow(OpenAIProtocolError);
    });
  });
});

describe("decodeSse", () => {
  it("iterates the events of a byte stream", async () => {
    const { source } = trackedSource(cut(utf8("data: a\n\nevent: e\ndata: b\n\ndata: c"), [4, 12]));
    const out: SseEvent[] = [];
    for await (const event of decodeSse(source)) out.push(event);
    expect(out).toEqual([{ data: "a" }, { event: "e", data: "b" }, { data: "c" }]);
  });

  it("returns the source when the consumer stops early", async () => {
    const { source, state } = trackedSource([utf8("data: 1\n\ndata: 2\n\n"), utf8("data: 3\n\n")]);
    for await (const event of decodeSse(source)) if (event.data === "1") break;
    expect(state.returned).toBe(true);
    expect(state.pulled).toBe(1);
  });

  it("passes onComment through", async () => {
    const comments: string[] = [];
    const { source } = trackedSource([utf8(": keep-alive\n\ndata: x\n\n")]);
    for await (const _event of decodeSse(source, { onComment: (c) => comments.push(c) })) {
      // drain
    }
    expect(comments).toEqual(["keep-alive"]);
  });
});
