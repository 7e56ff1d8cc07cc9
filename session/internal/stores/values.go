package stores

// ValueKey is where session.Manager keeps the Session among a gorilla
// session's Values; redisstore reads it there to index sessions by
// provider session and subject.
const ValueKey = "gatehouse"
