// Test target for gk-go-tls-insecure-skip-verify (semgrep --test).
package client

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
)

func Insecure() *http.Client {
	// ruleid: gk-go-tls-insecure-skip-verify
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	return &http.Client{Transport: tr}
}

func Later(cfg *tls.Config) {
	// ruleid: gk-go-tls-insecure-skip-verify
	cfg.InsecureSkipVerify = true
}

func Secure(pool *x509.CertPool) *http.Client {
	// ok: gk-go-tls-insecure-skip-verify
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	// ok: gk-go-tls-insecure-skip-verify
	_ = &tls.Config{InsecureSkipVerify: false}
	return &http.Client{Transport: tr}
}
