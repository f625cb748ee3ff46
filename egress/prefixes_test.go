package egress

import (
	"strings"
	"testing"
)

func TestParsePrefixes(t *testing.T) {
	tests := []struct {
		in, want string // want: prefixes joined by ","
	}{
		{"", ""},
		{"  ", ""},
		{"127.0.0.0/8,::1/128", "127.0.0.0/8,::1/128"},
		{"127.0.0.0/8, ::1", "127.0.0.0/8,::1/128"},
		{"10.1.2.3", "10.1.2.3/32"},
		{"fd00::/8,169.254.169.254", "fd00::/8,169.254.169.254/32"},
		{"0.0.0.0/0", "0.0.0.0/0"},
	}
	for _, tt := range tests {
		got, err := ParsePrefixes(tt.in)
		if err != nil {
			t.Errorf("ParsePrefixes(%q): %v", tt.in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if strings.Join(s, ",") != tt.want {
			t.Errorf("ParsePrefixes(%q) = %v, want %s", tt.in, s, tt.want)
		}
	}
}

func TestParsePrefixesSaysWhatToFix(t *testing.T) {
	tests := []struct{ in, wantInErr string }{
		{"127.0.0.1/8", "write 127.0.0.0/8"},
		{"127.0.0.0/8,,::1", `item 2 "": empty`},
		{"127.0.0.0/8,", "remove the extra comma"},
		{"localhost", `item 1 "localhost": not an IP address`},
		{"10.0.0.0/33", "not a CIDR prefix"},
		{"fe80::1%eth0", "without %eth0"},
		{"10.0.0.0/8;192.168.0.0/16", "not a CIDR prefix"},
	}
	for _, tt := range tests {
		_, err := ParsePrefixes(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
			t.Errorf("ParsePrefixes(%q) error = %v, want it to contain %q", tt.in, err, tt.wantInErr)
		}
	}
}
