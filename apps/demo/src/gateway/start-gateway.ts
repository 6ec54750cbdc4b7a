import { sendJson } from "../http/json-body.js";
import { listen, type RunningServer } from "../http/listen.js";
import { type GatewayOptions, handleGatewayRequest } from "./openai-gateway.js";

/** Options for {@link startGateway}. */
export interface StartGatewayOptions extends GatewayOptions {
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** Port. Default: OS-chosen. */
  port?: number;
}

/**
 * Starts the OpenAI-compatible gateway alone (no web page): `POST /v1/chat/completions` and
 * `GET /v1/models`; anything else is a 404 in OpenAI's envelope. `serve` mounts the same
 * handler next to its web chat.
 */
export function startGateway(options: StartGatewayOptions): Promise<RunningServer> {
  const { host, port, ...gateway } = options;
  return listen(
    async (req, res) => {
      if (await handleGatewayRequest(req, res, gateway)) return;
      sendJson(res, 404, {
        error: {
          message: `${req.method} ${req.url} not found`,
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
    },
    { ...(host ? { host } : {}), ...(port !== undefined ? { port } : {}) },
  );
}
