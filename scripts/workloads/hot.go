// Reference Go workload with a known profile: each goroutine repeats hotParse (5 units),
// hotCompress (3 units) and hotVerifyToken (2 units), so leaf samples split 50 : 30 : 20.
// The unit varies from round to round (0.5x to 1.5x, mean 1x) so that the round length cannot
// fall in step with the sampling period, which would skew the split.
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
func hotParse(u int) {
	x := atomic.LoadUint64(&sink)
	for i := 0; i < 5*u; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.StoreUint64(&sink, x)
}

//go:noinline
func hotCompress(u int) {
	x := atomic.LoadUint64(&sink)
	for i := 0; i < 3*u; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.StoreUint64(&sink, x)
}

//go:noinline
func hotVerifyToken(u int) {
	x := atomic.LoadUint64(&sink)
	for i := 0; i < 2*u; i++ {
		x = x*6364136223846793005 + uint64(i)
	}
	atomic.StoreUint64(&sink, x)
}

//go:noinline
func serveOneRound(u int) {
	hotParse(u)
	hotCompress(u)
	hotVerifyToken(u)
	atomic.AddUint64(&rounds, 1)
}

func worker(seed uint32) {
	r := seed*2654435761 + 1
	for {
		r ^= r << 13 // xorshift32
		r ^= r >> 17
		r ^= r << 5
		serveOneRound(unit/2 + int(r%unit))
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
		go worker(uint32(i))
	}
	if seconds <= 0 {
		select {}
	}
	time.Sleep(time.Duration(seconds) * time.Second)
	fmt.Println(atomic.LoadUint64(&rounds))
}
