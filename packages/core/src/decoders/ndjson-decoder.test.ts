import { describe, expect, it } from "vitest";
import { ProtocolError } from "../errors/errors.js";
import { DEFAULT_MAX_FRAME_SIZE, type FrameErrorInfo } from "./line-splitter.js";
import { decodeNdjson, NdjsonDecoder } from "./ndjson-decoder.js";
import { byteByByte, cut, decodeAll, everySplit, trackedSource, utf8 } from "./test-utils.js";

const lines = (text: string, chunks?: (bytes: Uint8Array) => Uint8Array[]) => {
  const bytes = utf8(text);
  return decodeAll(new NdjsonDecoder(), chunks ? chunks(bytes) : [bytes]);
};

describe("NdjsonDecoder", () => {
  it.each([
    ["LF", '{"a":1}\n{"b":2}\n'],
    ["CRLF", '{"a":1}\r\n{"b":2}\r\n'],
    ["CR", '{"a":1}\r{"b":2}\r'],
    ["mixed", '{"a":1}\r\n{"b":2}\r'],
  ])("splits %s line ends", (_name, text) => {
    expect(lines(text)).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines(text, byteByByte)).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("treats CRLF split across chunks as one line end", () => {
    const decoder = new NdjsonDecoder();
    expect(decoder.push(utf8('{"a":1}\r'))).toEqual(['{"a":1}']);
    expect(decoder.push(utf8('\n{"b":2}\r'))).toEqual(['{"b":2}']);
    expect(decoder.push(utf8("\n"))).toEqual([]);
    expect(decoder.push(utf8('\n{"c":3}'))).toEqual([]);
    expect(decoder.end()).toEqual(['{"c":3}']);
  });

  it("skips blank and whitespace-only lines", () => {
    expect(lines('\n\n{"a":1}\n \t \n\r\n{"b":2}\n\n')).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines("\n\r\n  \n")).toEqual([]);
    expect(lines("")).toEqual([]);
  });

  it("keeps spaces inside a line", () => {
    expect(lines(' {"a": 1} \n')).toEqual([' {"a": 1} ']);
  });

  it("returns a final line without a newline from end()", () => {
    const decoder = new NdjsonDecoder();
    expect(decoder.push(utf8('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(decoder.push(utf8(":2}"))).toEqual([]);
    expect(decoder.end()).toEqual(['{"b":2}']);
  });

  it("decodes multi-byte UTF-8 split at every byte boundary", () => {
    const text = '{"t":"héllo 世界 🦙👩‍💻"}\n{"t":"Ω"}\n';
    const expected = ['{"t":"héllo 世界 🦙👩‍💻"}', '{"t":"Ω"}'];
    for (const chunks of everySplit(utf8(text)))
      expect(lines(text, () => chunks)).toEqual(expected);
    expect(lines(text, byteByByte)).toEqual(expected);
  });

  it("turns a truncated multi-byte character at the very end into U+FFFD", () => {
    const bytes = utf8('{"t":"🦙"}');
    expect(decodeAll(new NdjsonDecoder(), [bytes.subarray(0, bytes.length - 4)])).toEqual([
      '{"t":"\uFFFD',
    ]);
  });

  it("reports the character position of the next undelivered line", () => {
    const decoder = new NdjsonDecoder();
    decoder.push(utf8("ab\r"));
    expect(decoder.position).toBe(3);
    decoder.push(utf8("\ncd\nef"));
    expect(decoder.position).toBe(7);
  });

  it("counts positions in characters, not bytes", () => {
    const decoder = new NdjsonDecoder();
    decoder.push(utf8('{"t":"é世"}\n{'));
    expect(decoder.position).toBe(11);
  });

  it("drops a UTF-8 byte order mark opening the stream, and only there", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"a":1}\n\uFEFF{"b":2}\n')]);
    expect(decodeAll(new NdjsonDecoder(), cut(bytes, [1, 2]))).toEqual([
      '{"a":1}',
      '\uFEFF{"b":2}',
    ]);
  });

  it("keeps the bytes of an open line when the caller reuses its buffer", () => {
    const decoder = new NdjsonDecoder();
    const buffer = utf8('{"a":1}\n{"b"');
    expect(decoder.push(buffer)).toEqual(['{"a":1}']);
    buffer.fill(0x78);
    expect(decoder.push(utf8(":2}\n"))).toEqual(['{"b":2}']);
  });

  describe("maxFrameSize", () => {
    it("counts UTF-8 bytes", () => {
      // "世界" is two characters and six bytes.
      expect(() => new NdjsonDecoder({ maxFrameSize: 5 }).push(utf8("世界\n"))).toThrow(
        ProtocolError,
      );
      expect(new NdjsonDecoder({ maxFrameSize: 6 }).push(utf8("世界\n"))).toEqual(["世界"]);
    });

    it("accepts a line of exactly the limit", () => {
      const decoder = new NdjsonDecoder({ maxFrameSize: 8 });
      expect(decodeAll(decoder, [utf8("12345678\n12345678")])).toEqual(["12345678", "12345678"]);
    });

    it("throws ProtocolError for a long line inside one chunk", () => {
      const decoder = new NdjsonDecoder({ maxFrameSize: 8, provider: "ollama" });
      let caught: unknown;
      try {
        decoder.push(utf8("ok\n123456789\nnext\n"));
      } catch (error) {
        caught = error;
      }
      expect(ProtocolError.isInstance(caught)).toBe(true);
      const error = caught as ProtocolError;
      expect(error.reason).toBe("oversize_frame");
      expect(error.provider).toBe("ollama");
      expect(error.excerpt).toBe("123456789");
      expect(error.position).toBe(3);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain("8");
    });

    it("throws for a CR-terminated long line", () => {
      const decoder = new NdjsonDecoder({ maxFrameSize: 4 });
      expect(() => decoder.push(utf8("12345\r"))).toThrow(ProtocolError);
    });

    it("throws once a pending tail grows past the limit across chunks", () => {
      const decoder = new NdjsonDecoder({ maxFrameSize: 10 });
      expect(decoder.push(utf8("{}\n12345"))).toEqual(["{}"]);
      expect(decoder.push(utf8("67890"))).toEqual([]);
      let caught: unknown;
      try {
        decoder.push(utf8("1"));
      } catch (error) {
        caught = error;
      }
      expect(ProtocolError.isInstance(caught)).toBe(true);
      expect((caught as ProtocolError).position).toBe(3);
      expect((caught as ProtocolError).excerpt).toBe("12345678901");
    });

    it("throws for a tail over the limit that arrives with a line end in the same chunk", () => {
      const decoder = new NdjsonDecoder({ maxFrameSize: 4 });
      expect(() => decoder.push(utf8("ab\n123456"))).toThrow(ProtocolError);
    });

    it("counts a tail across many chunks without a line end before the limit", () => {
      const decoder = new NdjsonDecoder({ maxFrameSize: 100 });
      for (let i = 0; i < 10; i++) decoder.push(utf8("0123456789"));
      expect(() => decoder.push(utf8("x"))).toThrow(ProtocolError);
    });

    it("uses createError for the error it throws", () => {
      const infos: FrameErrorInfo[] = [];
      class OllamaProtocolError extends ProtocolError {}
      const decoder = new NdjsonDecoder({
        maxFrameSize: 3,
        createError: (info) => {
          infos.push(info);
          return new OllamaProtocolError(info.message, {
            provider: "ollama",
            reason: info.reason,
            excerpt: info.excerpt,
            position: info.position,
          });
        },
      });
      expect(() => decoder.push(utf8("abcd\n"))).toThrow(OllamaProtocolError);
      expect(infos).toEqual([
        {
          reason: "oversize_frame",
          message: "Frame exceeds the maximum size of 3 bytes",
          excerpt: "abcd",
          position: 0,
        },
      ]);
    });

    it("defaults to a few MiB", () => {
      expect(DEFAULT_MAX_FRAME_SIZE).toBe(4 * 1024 * 1024);
      const big = "x".repeat(DEFAULT_MAX_FRAME_SIZE);
      const decoder = new NdjsonDecoder();
      expect(decodeAll(decoder, cut(utf8(`${big}\n`), [1 << 20, 2 << 20, 3 << 20]))).toHaveLength(
        1,
      );
      expect(() => new NdjsonDecoder().push(utf8(`${big}x`))).toThrow(ProtocolError);
    });
  });
});

describe("decodeNdjson", () => {
  it("iterates the lines of a byte stream", async () => {
    const { source, state } = trackedSource(cut(utf8('{"a":1}\n{"b"\r\n:2}\n{"c":3}'), [3, 9]));
    const out: string[] = [];
    for await (const line of decodeNdjson(source)) out.push(line);
    expect(out).toEqual(['{"a":1}', '{"b"', ":2}", '{"c":3}']);
    expect(state.returned).toBe(false);
  });

  it("returns the source when the consumer stops early", async () => {
    const { source, state } = trackedSource([utf8("1\n2\n"), utf8("3\n"), utf8("4\n")]);
    for await (const line of decodeNdjson(source)) if (line === "1") break;
    expect(state.returned).toBe(true);
    expect(state.pulled).toBe(1);
  });

  it("passes options through and propagates the error", async () => {
    const { source } = trackedSource([utf8("123456\n")]);
    await expect(async () => {
      for await (const _line of decodeNdjson(source, { maxFrameSize: 5 })) {
        // drain
      }
    }).rejects.toThrow(ProtocolError);
  });
});
