//go:build !unix

package attemptlog

// blockMem returns room for n bytes of lines: on the heap here (see
// blockmem_unix.go).
func blockMem(n int) ([]byte, bool) { return make([]byte, 0, n), false }

// freeBlockMem is not called for memory on the heap.
func freeBlockMem([]byte) {}
