package session

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// DenyList remembers ended session IDs until they would have expired anyway.
// Implementations must be safe for concurrent use.
type DenyList interface {
	// Deny records id as ended until the given time.
	Deny(ctx context.Context, id string, until time.Time) error
	// Denied reports whether id was ended (and its time is not up).
	Denied(ctx context.Context, id string) (bool, error)
}

// NewMemoryDenyList returns an in-process DenyList of at most limit entries
// (at least 1). Expired entries are dropped; when it is full, the entries
// closest to expiry go first. Deny and Denied cost O(log n) at most. It is
// per process: several replicas need a shared deny list instead.
func NewMemoryDenyList(limit int) DenyList {
	return newMemoryDenyList(limit, time.Now)
}

func newMemoryDenyList(limit int, now func() time.Time) *memoryDenyList {
	return &memoryDenyList{max: max(1, limit), now: now, index: map[string]*denied{}}
}

// memoryDenyList is a map by ID over a min-heap by expiry. It is not a
// golang-lru/v2 LRU, unlike the other bounded records: each ID is denied
// until its own time (when its session would have expired), so the order
// of insertion is not the order of expiry. When full, the heap drops the
// entry whose denial ends first (the least harm) and every expired one;
// an LRU would drop the ID denied first, however long it still has.
type memoryDenyList struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	index map[string]*denied
	heap  denyHeap
}

type denied struct {
	id    string
	until time.Time
	pos   int
}

func (d *memoryDenyList) Deny(_ context.Context, id string, until time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for len(d.heap) > 0 && !d.heap[0].until.After(now) {
		d.remove(d.heap[0])
	}
	if !until.After(now) {
		return nil // over already
	}
	if e, ok := d.index[id]; ok {
		if until.After(e.until) {
			e.until = until
			heap.Fix(&d.heap, e.pos)
		}
		return nil
	}
	for len(d.heap) >= d.max {
		d.remove(d.heap[0])
	}
	e := &denied{id: id, until: until}
	heap.Push(&d.heap, e)
	d.index[id] = e
	return nil
}

func (d *memoryDenyList) Denied(_ context.Context, id string) (bool, error) {
	d.mu.Lock()
	e, ok := d.index[id]
	ok = ok && d.now().Before(e.until)
	d.mu.Unlock()
	return ok, nil
}

func (d *memoryDenyList) remove(e *denied) {
	heap.Remove(&d.heap, e.pos)
	delete(d.index, e.id)
}

// denyHeap orders entries by expiry, soonest first.
type denyHeap []*denied

func (h denyHeap) Len() int           { return len(h) }
func (h denyHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h denyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *denyHeap) Push(x any) {
	e := x.(*denied)
	e.pos = len(*h)
	*h = append(*h, e)
}
func (h *denyHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
