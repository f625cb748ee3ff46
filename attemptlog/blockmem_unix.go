//go:build unix

package attemptlog

import "syscall"

// blockMem returns room for n bytes of lines outside the Go heap, and
// whether it is (false: it is on the heap, where mmap failed). The
// collector neither scans nor counts memory it did not allocate, so the
// index's tens of MiB do not stretch its cycle for the whole process: a
// cycle starts when the heap has grown by as much as was live after the
// last one, and with the index on the heap the deliveries' garbage went
// through that much more fresh memory between cycles (VictoriaMetrics'
// fastcache keeps its chunks off the heap for the same reason).
func blockMem(n int) ([]byte, bool) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, 0, n), false
	}
	return b[:0], true
}

// freeBlockMem gives back what blockMem returned off the heap; nothing
// may refer to it any more.
func freeBlockMem(b []byte) { _ = syscall.Munmap(b[:cap(b)]) }
