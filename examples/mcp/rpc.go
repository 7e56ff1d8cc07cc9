package main

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/middleware/bearer"
)

// request is a JSON-RPC 2.0 request; a request without id is a
// notification.
type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// rpcError is a JSON-RPC 2.0 error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// JSON-RPC 2.0 error codes.
const (
	parseError     = -32700
	invalidRequest = -32600
	methodNotFound = -32601
	invalidParams  = -32602
)

// rpc serves one JSON-RPC 2.0 request (no batches) from a caller Bearer let
// through: initialize, ping, tools/list, and tools/call of the one tool,
// whoami, which answers who the access token says is calling.
func rpc(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		answer(w, nil, nil, &rpcError{parseError, "parse error"})
		return
	}
	if req.JSONRPC != "2.0" || req.Method == "" {
		answer(w, req.ID, nil, &rpcError{invalidRequest, "invalid request"})
		return
	}
	if req.ID == nil { // a notification: nothing to answer
		w.WriteHeader(http.StatusAccepted)
		return
	}
	switch req.Method {
	case "initialize":
		answer(w, req.ID, map[string]any{"protocolVersion": "2025-06-18",
			"capabilities": map[string]any{"tools": map[string]any{}},
			"serverInfo":   map[string]any{"name": "gatehouse-mcp-example", "version": "1"}}, nil)
	case "ping":
		answer(w, req.ID, map[string]any{}, nil)
	case "tools/list":
		answer(w, req.ID, map[string]any{"tools": []any{map[string]any{"name": "whoami",
			"description": "Who the access token says is calling",
			"inputSchema": map[string]any{"type": "object", "properties": map[string]any{}}}}}, nil)
	case "tools/call":
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(req.Params, &p) != nil || p.Name != "whoami" {
			answer(w, req.ID, nil, &rpcError{invalidParams, "unknown tool"})
			return
		}
		tok, _ := bearer.Token(r.Context())
		text := "subject=" + tok.Subject + " client_id=" + tok.ClientID + " scopes=" + strings.Join(tok.Scopes, ",")
		answer(w, req.ID, map[string]any{"content": []any{map[string]any{"type": "text", "text": text}}}, nil)
	default:
		answer(w, req.ID, nil, &rpcError{methodNotFound, "method not found"})
	}
}

// answer writes a JSON-RPC response: result, or e.
func answer(w http.ResponseWriter, id json.RawMessage, result any, e *rpcError) {
	if id == nil {
		id = json.RawMessage("null")
	}
	resp := map[string]any{"jsonrpc": "2.0", "id": id}
	if e != nil {
		resp["error"] = e
	} else {
		resp["result"] = result
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}
