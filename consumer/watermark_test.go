package consumer

import "testing"

func TestWatermark(t *testing.T) {
	tests := []struct {
		name    string
		fetched []int64
		finish  []int64
		want    int64
	}{
		{"nothing finished", []int64{0, 1, 2}, nil, -1},
		{"in order", []int64{0, 1, 2}, []int64{0, 1}, 2},
		{"gap holds back", []int64{0, 1, 2}, []int64{1, 2}, -1},
		{"gap filled", []int64{0, 1, 2}, []int64{2, 1, 0}, 3},
		{"offset gaps from compaction", []int64{5, 9, 12}, []int64{9, 5}, 10},
		{"all finished out of order", []int64{3, 4, 5, 6}, []int64{6, 4, 3, 5}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWatermark()
			for _, o := range tt.fetched {
				w.add(o)
			}
			for _, o := range tt.finish {
				w.finish(o)
			}
			if got := w.commitOffset(); got != tt.want {
				t.Fatalf("commit offset = %d, want %d", got, tt.want)
			}
			if got, want := w.inFlight(), len(tt.fetched)-len(tt.finish); got != want {
				t.Fatalf("in flight = %d, want %d", got, want)
			}
		})
	}
}
