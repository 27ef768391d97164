// Command cumulus is the Cumulus media server and its command-line tools.
//
//	cumulus serve [--addr HOST:PORT] [--data DIR] [--public-url URL] ...
//	cumulus url PUBLIC_ID [flags]
//	cumulus upload PATH... [--folder F] [--tags a,b] [--concurrency N]
//	cumulus admin resources|details|tags|delete|search|usage ...
//	cumulus migrate --from cloudinary://KEY:SECRET@CLOUD [--api-host URL]
//	cumulus version
//
// serve reads CLOUDINARY_URL (cloudinary://KEY:SECRET@CLOUD) and creates or
// updates that product environment at start; without it, it reuses the
// environment in the data folder or generates one and prints its
// credentials.
package main

import (
	"fmt"
	"os"
)

var version = "dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "url":
		var u string
		if u, err = urlCmd(os.Args[2:], os.Getenv); err == nil {
			fmt.Println(u)
		}
	case "upload":
		err = uploadCmd(os.Args[2:], os.Getenv, os.Stdout, os.Stderr, isTerminal(os.Stderr))
	case "admin":
		err = adminCmd(os.Args[2:], os.Getenv, os.Stdout)
	case "migrate":
		err = migrateCmd(os.Args[2:], os.Getenv, os.Stdout, os.Stderr, isTerminal(os.Stderr))
	case "version", "--version":
		fmt.Println("cumulus", version)
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "cumulus: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cumulus:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `Usage:
  cumulus serve [--addr HOST:PORT] [--data DIR] [--public-url URL] [--secure-url URL]
                [--max-age DURATION] [--log-level LEVEL] [--config FILE]
  cumulus url PUBLIC_ID [-t TRANSFORMATION] [--version N] [--sign] [--sha256] [--long-signature]
              [--type T] [--resource-type R] [--format EXT] [--suffix S] [--root-path] [--shorten]
              [--insecure] [--private-cdn] [--secure-distribution HOST] [--cname HOST]
              [--cdn-subdomain] [--no-force-version] [--sdk node|go|python] [--cloud C]
  cumulus upload PATH... [--folder F] [--tags a,b] [--concurrency N] [--type T]
  cumulus admin resources|details|tags|delete|search|usage [ARGS] [--resource-type R] [--type T]
                [--prefix P] [--tag T] [--max N] [--all] [--versions] [--sort-by F[:asc]] [--json]
  cumulus migrate --from cloudinary://KEY:SECRET@CLOUD [--api-host URL] [--concurrency N]
  cumulus version

Environment: CLOUDINARY_URL=cloudinary://KEY:SECRET@CLOUD names the product
environment to serve, or (with ?upload_prefix=http://HOST:PORT) the one the
upload, admin and migrate commands talk to; CUMULUS_* variables set the
options (docs/configuration.md, docs/cli.md).
`)
}
