// Package bench compares Gatehouse's bearer verification with the floor
// (the bare signature check), a minimal hand-written verifier, and the Go
// JWT libraries people use, on identical tokens and key sets. It is a module
// of its own so the peers stay out of the library's go.mod. See README.md.
package bench
