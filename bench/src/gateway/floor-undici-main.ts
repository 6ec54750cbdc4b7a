/**
 * A reference, not a goal: the floor's pass-through with undici as its client. Per request it
 * reads the body, sends it upstream with undici's `request()` (one keep-alive agent), and copies
 * the answer's bytes back with `for await` over undici's body. No parsing: what undici's
 * transport alone costs over the bare node:http floor.
 */
import { copyBytes, serveThroughUndici } from "./undici-proxy.js";

serveThroughUndici(copyBytes);
