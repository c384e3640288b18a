// Command etcd is etcd's own server main (go.etcd.io/etcd/server/v3/etcdmain),
// built from the module proxy for Trustmap's test control plane.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
