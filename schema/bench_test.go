package schema

import "testing"

func BenchmarkDecodeLoadEvent(b *testing.B) {
	event := SampleLoadEvent("01JD3S1Z8Q5Q7W5E4Y9K2M3N4P", 116078, 12345, true, sampleNow)
	b.SetBytes(int64(len(event)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeLoadEvent(event); err != nil {
			b.Fatal(err)
		}
	}
}
