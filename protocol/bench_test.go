package protocol

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"
)

// post1KiB is a question whose body is about 1 KiB.
func post1KiB(b *testing.B) *Record {
	b.Helper()
	body := &Post{Type: PostQuestion, Title: "How do you rotate TLS certificates without downtime?",
		Text: strings.Repeat("We run cert-manager on three clusters and renewals still page us. ", 14),
		Tags: []string{"tls", "kubernetes", "cert-manager"}}
	r := sign(b, testKey("author"), ID{1}, testNow, Refs{}, body)
	if n := len(r.body); n < 1000 || n > 1100 {
		b.Fatalf("body is %d bytes, want about 1 KiB", n)
	}
	return r
}

func BenchmarkEncode(b *testing.B) {
	r := post1KiB(b)
	b.SetBytes(int64(len(r.Encode())))
	for b.Loop() {
		r.Encode()
	}
}

// BenchmarkDecode is Validate without the signature check: decoding,
// canonical-form checks, body hash and limits.
func BenchmarkDecode(b *testing.B) {
	data := post1KiB(b).Encode()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parse(data, testNow.UnixMilli()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	key := testKey("author")
	body := post1KiB(b).Content()
	for b.Loop() {
		if _, err := Sign(key, ID{1}, testNow.UnixMilli(), Refs{}, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	data := post1KiB(b).Encode()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Validate(data, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	r := post1KiB(b)
	msg := signedMessage(r.ID())
	for b.Loop() {
		if !ed25519.Verify(r.Header.Author[:], msg, r.sig) {
			b.Fatal("no")
		}
	}
}

// BenchmarkValidateVsVerify measures full validation of a 1 KiB record
// against a bare ed25519.Verify in the same run, interleaved so that the
// machine's noise hits both alike, and reports the ratio (goal: at most
// 1.3).
func BenchmarkValidateVsVerify(b *testing.B) {
	r := post1KiB(b)
	data := r.Encode()
	msg := signedMessage(r.ID())
	var validate, verify time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Validate(data, testNow); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if !ed25519.Verify(r.Header.Author[:], msg, r.sig) {
			b.Fatal("no")
		}
		validate += t1.Sub(t0)
		verify += time.Since(t1)
	}
	b.ReportMetric(float64(validate.Nanoseconds())/float64(b.N), "validate-ns/op")
	b.ReportMetric(float64(verify.Nanoseconds())/float64(b.N), "verify-ns/op")
	b.ReportMetric(float64(validate)/float64(verify), "ratio")
}
