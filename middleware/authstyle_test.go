package middleware_test

import (
	"context"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware"
)

// Every configuration that takes an AuthStyle refuses one it does not know,
// by the same rule (x/oauth2's auto-detection, style 0 there, never slips
// in as a number).
func TestEveryConfigRefusesUnknownAuthStyle(t *testing.T) {
	const bad = middleware.AuthStyle(7)
	if _, err := middleware.NewClient(middleware.ClientConfig{TokenURL: "https://op.example/token", ClientID: "c",
		ClientSecret: "s", AuthStyle: bad}); err == nil {
		t.Error("ClientConfig: accepted")
	}
	if _, err := middleware.NewRefreshClient(middleware.RefreshClientConfig{TokenURL: "https://op.example/token", ClientID: "c",
		RefreshToken: "rt", OnRotate: func(context.Context, string) error { return nil }, AuthStyle: bad}); err == nil {
		t.Error("RefreshClientConfig: accepted")
	}
	if _, err := middleware.NewExchangeClient(middleware.ExchangeConfig{TokenURL: "https://op.example/token", ClientID: "c",
		ClientSecret: "s", Audience: "api", AuthStyle: bad}); err == nil {
		t.Error("ExchangeConfig: accepted")
	}
	for _, ok := range []middleware.AuthStyle{middleware.ClientSecretBasic, middleware.ClientSecretPost} {
		if _, err := middleware.NewClient(middleware.ClientConfig{TokenURL: "https://op.example/token", ClientID: "c",
			ClientSecret: "s", AuthStyle: ok}); err != nil {
			t.Errorf("style %d refused: %v", ok, err)
		}
	}
}
