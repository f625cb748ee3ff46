package receiver

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" for valid, else a part of the error
	}{
		{"zero value", Config{}, ""},
		{"all set", Config{Listen: "[::1]:0", CertFile: "x.pem", Secret: testSecret, Status: 500}, ""},
		{"secret without prefix", Config{Secret: strings.TrimPrefix(testSecret, "whsec_")}, ""},
		{"status 599", Config{Status: 599}, ""},
		{"listen without port", Config{Listen: "127.0.0.1"}, `Listen "127.0.0.1": want host:port`},
		{"listen port not a number", Config{Listen: "127.0.0.1:https"}, "want a port number from 0 to 65535"},
		{"listen port too big", Config{Listen: ":65536"}, "want a port number from 0 to 65535"},
		{"listen empty port", Config{Listen: "localhost:"}, "want a port number"},
		{"secret not base64", Config{Secret: "whsec_not base64!"}, `Secret: want "whsec_" followed by the base64 key`},
		{"secret empty key", Config{Secret: "whsec_"}, "the key after \"whsec_\" is empty"},
		{"status informational", Config{Status: 101}, "Status 101: want an HTTP status from 200 to 599"},
		{"status too big", Config{Status: 600}, "Status 600"},
		{"status negative", Config{Status: -1}, "Status -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigValidateReportsEveryField(t *testing.T) {
	err := Config{Listen: "nope", Secret: "whsec_", Status: 1}.Validate()
	if err == nil {
		t.Fatal("Validate: nil")
	}
	for _, want := range []string{"Listen", "Secret", "Status"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Listen != "127.0.0.1:8443" || c.CertFile != "postload-receiver.pem" || c.Status != 200 || c.Out == nil {
		t.Errorf("defaults: %+v", c)
	}
}
