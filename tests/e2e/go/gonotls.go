// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// gonotls - a Go program without crypto/tls (tlsdump must say so).
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fmt.Println("no TLS here")
	if len(os.Args) > 1 && os.Args[1] == "sleep" {
		time.Sleep(30 * time.Second)
	}
}
