import { createHash } from "node:crypto";

/**
 * The Lua scripts behind the store. Each touches one member's key, reads the server's clock
 * (`TIME`, so processes need not agree on the time) and answers `{generation, state,
 * remainingMs}` (nil when the member has no record). A script runs atomically: no other command
 * sees a half-applied change, however many processes open or close the same member at once.
 */
export interface BreakerScript {
  readonly source: string;
  readonly sha1: string;
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local r = redis.call('HMGET', KEYS[1], 'generation', 'state', 'until')`;

const ANSWER = `local remaining = 0
if r[2] == 'open' then remaining = tonumber(r[3]) - now end
return {tonumber(r[1]), r[2], remaining}`;

function script(source: string): BreakerScript {
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** KEYS[1]: the member. */
export const GET_BREAKER = script(`${NOW}
if not r[1] then return nil end
${ANSWER}`);

/**
 * KEYS[1]: the member; ARGV: cooldown ms, key time-to-live ms. From closed (or no record) a new
 * generation; already open: the same one, the cooldown ending at the later of the two.
 */
export const OPEN_BREAKER = script(`${NOW}
local generation = tonumber(r[1]) or 0
local untilMs = now + tonumber(ARGV[1])
if r[2] == 'open' then
  untilMs = math.max(untilMs, tonumber(r[3]) or 0)
else
  generation = generation + 1
end
redis.call('HSET', KEYS[1], 'generation', generation, 'state', 'open', 'until', untilMs)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {generation, 'open', untilMs - now}`);

/** KEYS[1]: the member; ARGV: the generation whose trial succeeded, key time-to-live ms. */
export const CLOSE_BREAKER = script(`${NOW}
if not r[1] then return nil end
if r[2] == 'open' and tonumber(r[1]) == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'state', 'closed')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  r[2] = 'closed'
end
${ANSWER}`);
