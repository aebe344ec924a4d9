// Reference Go workload with a known profile: each goroutine repeats hotParse (5 units),
// hotCompress (3 units) and hotVerifyToken (2 units), so leaf samples split 50 : 30 : 20.
// Go on amd64 keeps frame pointers; go:noinline keeps the functions as frames.
//
// usage: hot-go [seconds (0 = forever)] [goroutines (0 = one per CPU)]
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

const unit = 200000

var sink uint64
var rounds uint64

//go:noinline
func hotParse() {
	x := atomic.LoadUint64(&sink)
	for i := 0; i < 5*unit; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.StoreUint64(&sink, x)
}

//go:noinline
func hotCompress() {
	x := atomic.LoadUint64(&sink)
	for i := 0; i < 3*unit; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.StoreUint64(&sink, x)
}

//go:noinline
func hotVerifyToken() {
	x := atomic.LoadUint64(&sink)
	for i := 0; i < 2*unit; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.StoreUint64(&sink, x)
}

//go:noinline
func serveOneRound() {
	hotParse()
	hotCompress()
	hotVerifyToken()
	atomic.AddUint64(&rounds, 1)
}

func worker() {
	for {
		serveOneRound()
	}
}

func main() {
	seconds, threads := 0, 0
	if len(os.Args) > 1 {
		seconds, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		threads, _ = strconv.Atoi(os.Args[2])
	}
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	for i := 0; i < threads; i++ {
		go worker()
	}
	if seconds <= 0 {
		select {}
	}
	time.Sleep(time.Duration(seconds) * time.Second)
	fmt.Println(atomic.LoadUint64(&rounds))
}
