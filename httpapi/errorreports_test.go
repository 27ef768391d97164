package httpapi

import (
	"strconv"
	"testing"
)

func TestErrorReportsRing(t *testing.T) {
	e := newErrorReports(3)
	for i := 1; i <= 5; i++ {
		e.add("demo", ErrorReport{URL: "/u" + strconv.Itoa(i), Status: 404})
	}
	got := e.list("demo", 10)
	if len(got) != 3 || got[0].URL != "/u5" || got[2].URL != "/u3" {
		t.Fatalf("ring = %+v, want the newest three, newest first", got)
	}
	if got := e.list("demo", 1); len(got) != 1 || got[0].URL != "/u5" {
		t.Fatalf("limit 1 = %+v", got)
	}
	if got := e.list("other", 10); len(got) != 0 {
		t.Fatalf("another environment sees %+v", got)
	}
}
