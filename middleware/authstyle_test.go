package middleware_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/gatehouse-go/gatehouse/middleware/outbound"
	"github.com/gatehouse-go/gatehouse/verify"
)

// Every configuration that takes an AuthStyle refuses one it does not know,
// by the same rule (x/oauth2's auto-detection, style 0 there, never slips
// in as a number).
func TestEveryConfigRefusesUnknownAuthStyle(t *testing.T) {
	const bad = verify.AuthStyle(7)
	if _, err := outbound.New(outbound.Config{TokenURL: "https://op.example/token", ClientID: "c",
		ClientSecret: "s", AuthStyle: bad}); err == nil {
		t.Error("ClientConfig: accepted")
	}
	if _, err := outbound.NewRefresh(outbound.Config{TokenURL: "https://op.example/token", ClientID: "c", AuthStyle: bad}, "rt", func(context.Context, string) error { return nil }); err == nil {
		t.Error("RefreshClientConfig: accepted")
	}
	if _, err := outbound.NewExchange(outbound.Config{TokenURL: "https://op.example/token", ClientID: "c",
		ClientSecret: "s", EndpointParams: url.Values{"audience": {"api"}}, AuthStyle: bad}); err == nil {
		t.Error("ExchangeConfig: accepted")
	}
	for _, ok := range []verify.AuthStyle{verify.ClientSecretBasic, verify.ClientSecretPost} {
		if _, err := outbound.New(outbound.Config{TokenURL: "https://op.example/token", ClientID: "c",
			ClientSecret: "s", AuthStyle: ok}); err != nil {
			t.Errorf("style %d refused: %v", ok, err)
		}
	}
}
