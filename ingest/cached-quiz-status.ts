// The quiz's status as the per-request scripts read it (the answer gate, the join claim): a short
// string under its own key, copied from the cached meta the first time a script needs it (with the
// meta's remaining lifetime), so a request never decodes the quiz's whole definition in Redis.

/**
 * Lua: defines `cachedQuizStatus(statusKey, metaKey)`, the status, 'missing' for a quiz Postgres
 * does not have (quiz-store.ts caches that briefly), or nil when the cache does not know the quiz.
 */
export const CACHED_QUIZ_STATUS_LUA = `
local function cachedQuizStatus(statusKey, metaKey)
  local status = redis.call('GET', statusKey)
  if status then return status end
  local meta = redis.call('GET', metaKey)
  if not meta then return nil end
  if meta == 'missing' then return 'missing' end
  status = cjson.decode(meta)['status']
  local ttl = redis.call('PTTL', metaKey)
  if ttl > 0 then redis.call('SET', statusKey, status, 'PX', ttl) end
  return status
end
`;
