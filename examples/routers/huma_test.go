package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gatehouse-go/gatehouse/verify/oidctest"
)

// The scopes an operation declares are the ones its OpenAPI document
// publishes (and, by TestRouters/huma, the ones enforced).
func TestHumaOpenAPIShowsScopes(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	base := serveApp(t, op, Huma)
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct{ Type, Scheme string } `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]map[string][]string{
		"/api/me":    {{"bearer": {}}},
		"/api/admin": {{"bearer": {"admin"}}},
	} {
		if got := doc.Paths[path]["get"].Security; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: security %v, want %v", path, got, want)
		}
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("security scheme: %+v", s)
	}
}

// An operation that names no bearer requirement is not guarded by
// HumaBearer.
func TestHumaBearerLeavesOpenOperationsOpen(t *testing.T) {
	op := oidctest.NewServer()
	defer op.Close()
	app, err := NewApp(t.Context(), Config{Issuer: op.URL, ClientID: op.ClientID, BaseURL: "http://127.0.0.1",
		Audience: "api", HashKey: randomKey(), BlockKey: randomKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	mux := http.NewServeMux()
	api := humago.New(mux, huma.DefaultConfig("t", "1"))
	api.UseMiddleware(HumaBearer(app.Bearer))
	type out struct{ Body string }
	huma.Get(api, "/open", func(context.Context, *struct{}) (*out, error) { return &out{"hello"}, nil })
	huma.Get(api, "/closed", func(context.Context, *struct{}) (*out, error) { return &out{"secret"}, nil },
		func(o *huma.Operation) { o.Security = []map[string][]string{{"other": {}}, {"bearer": {}}} })
	for path, status := range map[string]int{"/open": 200, "/closed": 401} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != status {
			t.Errorf("%s: %d, want %d", path, rec.Code, status)
		}
	}
}
