// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// gohttps - the Go TLS peer of tlsdump's end-to-end tests (standard
// library only).
//
//	gohttps server -cert C -key K [-addr A] [-keylog F] [-port-file F]
//	gohttps client -url URL [-n N] [-tls 12|13] [-h2] [-sha384] [-keylog F]
//	               [-wait-file F] [-q]
//
// The server answers every request with "hello from go <path> <proto>\n"
// over HTTP/1.1 or HTTP/2 (ALPN), and /bytes/N with N bytes (pattern).  The client makes N requests, each on a new
// TLS connection (a new handshake), and prints each status and body; with
// -wait-file it starts only once that file exists (so that a test can
// start it before tlsdump and let it go once tlsdump has probed it).
// With -keylog both write Go's own key log (the tests' ground truth).
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func keyLog(path string) io.Writer {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return f
}

// pattern is the body of /bytes/N: N bytes of "0123456789abcdef"
// repeated, each 16-byte block numbered in its first 8 bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdef"[i%16]
		if i%16 < 8 {
			b[i] = fmt.Sprintf("%08x", (i/16)&0xffffffff)[i%16]
		}
	}
	return b
}

func server(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	cert := fs.String("cert", "", "certificate (PEM)")
	key := fs.String("key", "", "private key (PEM)")
	kl := fs.String("keylog", "", "key log file")
	portFile := fs.String("port-file", "", "write the chosen port here")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	fs.Parse(args)
	pair, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{pair},
		NextProtos:   []string{"h2", "http/1.1"},
		KeyLogWriter: keyLog(*kl),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		os.WriteFile(*portFile+".tmp", []byte(strconv.Itoa(port)), 0644)
		os.Rename(*portFile+".tmp", *portFile)
	}
	srv := &http.Server{
		TLSConfig: cfg,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/bytes/")); err == nil {
				w.Write(pattern(n))
				return
			}
			fmt.Fprintf(w, "hello from go %s %s\n", r.URL.Path, r.Proto)
		}),
	}
	if err := srv.ServeTLS(ln, "", ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	url := fs.String("url", "", "https URL")
	n := fs.Int("n", 1, "requests, one connection each")
	ver := fs.Int("tls", 13, "12 or 13")
	h2 := fs.Bool("h2", false, "HTTP/2")
	sha384 := fs.Bool("sha384", false, "TLS 1.2 suite ECDHE-RSA-AES256-GCM-SHA384")
	kl := fs.String("keylog", "", "key log file")
	quiet := fs.Bool("q", false, "print nothing")
	wait := fs.String("wait-file", "", "start once this file exists (at most 30 s)")
	fs.Parse(args)
	for i := 0; *wait != "" && i < 3000; i++ {
		if _, err := os.Stat(*wait); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cfg := &tls.Config{InsecureSkipVerify: true, KeyLogWriter: keyLog(*kl)}
	if *ver == 12 {
		cfg.MaxVersion = tls.VersionTLS12
	} else {
		cfg.MinVersion = tls.VersionTLS13
	}
	if *sha384 {
		cfg.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}
	}
	for i := 0; i < *n; i++ {
		tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: *h2,
			DisableKeepAlives: true}
		resp, err := (&http.Client{Transport: tr}).Get(*url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if !*quiet {
			fmt.Printf("%d %s", resp.StatusCode, body)
		}
	}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gohttps server|client ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "usage: gohttps server|client ...")
		os.Exit(2)
	}
}
