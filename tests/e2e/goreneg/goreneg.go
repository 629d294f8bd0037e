// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// goreneg - a Go TLS 1.2 client that lets the server renegotiate once
// (tls.RenegotiateOnceAsClient), for tests/e2e/test_reneg_stacks.sh
// (standard library only).
//
//	goreneg -addr HOST:PORT -keylog F [-chacha]
//
// It sends "GET /one", waits (reading) until the server's HelloRequest
// has led to a second handshake (its key log has a second line), then
// sends "GET /two" under the new keys, and exits once that is written.
// -chacha: only ECDHE-RSA-CHACHA20-POLY1305 (else Go's choice: AES-GCM).
package main

import (
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// lineLog writes Go's key log and tells when its nth line is in.
type lineLog struct {
	mu    sync.Mutex
	f     *os.File
	lines int
	more  chan struct{}
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.f.Write(p)
	l.lines += bytes.Count(p, []byte("\n"))
	select {
	case l.more <- struct{}{}:
	default:
	}
	return n, err
}

func (l *lineLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines
}

func main() {
	addr := flag.String("addr", "", "HOST:PORT")
	keylog := flag.String("keylog", "", "key log file")
	chacha := flag.Bool("chacha", false, "ChaCha20-Poly1305 only")
	flag.Parse()
	f, err := os.OpenFile(*keylog, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kl := &lineLog{f: f, more: make(chan struct{}, 1)}
	cfg := &tls.Config{
		InsecureSkipVerify: true,
		MaxVersion:         tls.VersionTLS12,
		Renegotiation:      tls.RenegotiateOnceAsClient,
		KeyLogWriter:       kl,
	}
	if *chacha {
		cfg.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}
	}
	c, err := tls.Dial("tcp", *addr, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err = io.WriteString(c, "GET /one HTTP/1.0\r\n\r\n"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Reads go on in the background: the renegotiation happens in one.
	go io.Copy(os.Stdout, c)
	deadline := time.After(10 * time.Second)
	for kl.count() < 2 {
		select {
		case <-kl.more:
		case <-deadline:
			fmt.Fprintln(os.Stderr, "no renegotiation")
			os.Exit(1)
		}
	}
	// Write waits for the handshake to end: /two goes under its keys.
	if _, err = io.WriteString(c, "GET /two HTTP/1.0\r\n\r\n"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("renegotiated, /two sent")
	time.Sleep(500 * time.Millisecond)
	c.Close()
}
