export {
  createRedisStore,
  type RedisScriptClient,
  type RedisStore,
  type RedisStoreOptions,
} from "./redis-store.js";
