// Package redisserver starts real redis-server processes for tests, shaped
// like net/http/httptest: on random loopback ports, in the test's temporary
// directory, without persistence (--save "" --appendonly no), stopped at
// cleanup. It is what redistest offers, plus what only Gatehouse's own
// tests need: a Redis Cluster, Sentinel, and a hung server (Pause).
//
// When redis-server is not installed the test is skipped with a loud
// message, unless the environment has CI=true, where it fails: CI must run
// what the tests need (Debian: apt-get install -y redis-server).
package redisserver
