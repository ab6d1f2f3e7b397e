// Command etcd is etcd's own main, built here because etcd's module has replace lines
// that keep `go install` from building it directly.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
