// Package redistest starts real redis-server processes for tests, shaped
// like net/http/httptest: on random loopback ports, in the test's temporary
// directory, without persistence (--save "" --appendonly no), stopped at
// cleanup. Middleware and example tests use it as well as redisstore's.
//
// When redis-server is not installed the test is skipped with a loud
// message, unless the environment has CI=true, where it fails: CI must run
// what the tests need (Debian: apt-get install -y redis-server).
package redistest
