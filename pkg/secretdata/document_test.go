package secretdata

import (
	"errors"
	"strings"
	"testing"
)

func TestSetProperty(t *testing.T) {
	tests := []struct {
		name, doc, property, value, want string
	}{
		{"empty document", "", "password", "p<&>", `{"password":"p<&>"}`},
		{"keeps other keys and numbers as written", `{"port":5432.0,"user":"a"}`, "password", "p", `{"password":"p","port":5432.0,"user":"a"}`},
		{"nested path is created", `{"db":{}}`, "db.auth.password", "p", `{"db":{"auth":{"password":"p"}}}`},
		{"a dotted top-level key wins", `{"db.password":"old"}`, "db.password", "new", `{"db.password":"new"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetProperty([]byte(tt.doc), tt.property, []byte(tt.value))
			if err != nil || string(got) != tt.want {
				t.Fatalf("SetProperty = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
	if _, err := SetProperty([]byte(`"s3cr3t"`), "p", []byte("v")); !errors.Is(err, ErrNotAnObject) || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("a non-object: %v", err)
	}
	if _, err := SetProperty([]byte(`{"db":"x"}`), "db.password", []byte("v")); err == nil {
		t.Fatal("setting below a string must fail")
	}
}

func TestDeleteProperty(t *testing.T) {
	out, found, empty, err := DeleteProperty([]byte(`{"a":"1","b":{"c":"2"}}`), "b.c")
	if err != nil || !found || empty || string(out) != `{"a":"1","b":{}}` {
		t.Fatalf("nested delete: %s %v %v %v", out, found, empty, err)
	}
	out, found, empty, err = DeleteProperty([]byte(`{"a":"1"}`), "a")
	if err != nil || !found || !empty || string(out) != `{}` {
		t.Fatalf("last key: %s %v %v %v", out, found, empty, err)
	}
	out, found, _, err = DeleteProperty([]byte(`{"a":"1"}`), "x.y")
	if err != nil || found || string(out) != `{"a":"1"}` {
		t.Fatalf("missing: %s %v %v", out, found, err)
	}
}

func FuzzSetProperty(f *testing.F) {
	f.Add([]byte(`{"a":{"b":"c"}}`), "a.b", []byte("v"))
	f.Add([]byte(``), "x", []byte("y"))
	f.Add([]byte(`[1,2]`), "a", []byte("v"))
	f.Fuzz(func(t *testing.T, doc []byte, property string, value []byte) {
		if property == "" {
			return
		}
		out, err := SetProperty(doc, property, value)
		if err != nil {
			return
		}
		// What was set is read back by the read path, and can be deleted again.
		if _, found, _, err := DeleteProperty(out, property); err != nil || !found {
			t.Fatalf("set %q in %q gave %q, which does not delete back: %v %v", property, doc, out, found, err)
		}
	})
}

func TestSetProperty_refusesBinaryValues(t *testing.T) {
	if _, err := SetProperty(nil, "cert", []byte{0xff, 0xfe}); err == nil {
		t.Fatal("a binary value was accepted and would be corrupted")
	}
}
