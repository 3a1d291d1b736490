package protocol

import (
	"crypto/sha256"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleAttachment(name string) Attachment {
	f := NewFileHasher()
	f.Write([]byte(name))
	a, _ := f.Attachment(name, "application/pdf")
	return a
}

// TestFileHasher: the attachment of some bytes has their size, a chunk
// list of one SHA-256 per ChunkSize chunk, and as hash the SHA-256 of the
// size and that list, however the bytes were split into writes.
func TestFileHasher(t *testing.T) {
	data := make([]byte, 2*ChunkSize+ChunkSize/2)
	for i := range data {
		data[i] = byte(i * 7 / 5)
	}
	var want []byte
	for off := 0; off < len(data); off += ChunkSize {
		h := sha256.Sum256(data[off:min(off+ChunkSize, len(data))])
		want = append(want, h[:]...)
	}
	for _, step := range []int{1 << 30, ChunkSize, 4093, ChunkSize + 1} {
		f := NewFileHasher()
		for off := 0; off < len(data); off += step {
			f.Write(data[off:min(off+step, len(data))])
		}
		a, list := f.Attachment("a.bin", "application/octet-stream")
		root := sha256.Sum256(append([]byte{0, 0, 0, 0, 0, 0x28, 0, 0}, want...)) // 2.5 MiB, big-endian
		if string(a.Hash) != string(root[:]) || a.Size != uint64(len(data)) || string(list) != string(want) || ChunkCount(a.Size) != 3 {
			t.Fatalf("writes of %d: %x %d, %d chunk hashes", step, a.Hash, a.Size, len(list)/HashSize)
		}
		if !a.CheckChunkList(list) {
			t.Error("the attachment refuses its own chunk list")
		}
		forged := append([]byte{}, list...)
		forged[40] ^= 1
		if a.CheckChunkList(forged) || a.CheckChunkList(list[:64]) || a.CheckChunkList(append(list, list[:32]...)) {
			t.Error("a forged, short or long chunk list passed")
		}
		other := a
		other.Size--
		if other.CheckChunkList(list) {
			t.Error("the chunk list passed for another size: one hash must name one file")
		}
	}
	empty, list := NewFileHasher().Attachment("e", "text/plain")
	if empty.Size != 0 || len(list) != 0 || !empty.CheckChunkList(nil) || ChunkCount(0) != 0 {
		t.Errorf("empty file: %+v, list %d bytes", empty, len(list))
	}
}

// TestAttachments: posts, replies, notes and events carry attachments
// signed with them, and every malformed claim is refused by Validate with
// the attachment rule, not only by Sign.
func TestAttachments(t *testing.T) {
	key := testKey("a")
	photo := sampleAttachment("x")
	photo.Name, photo.Type = "Ünïcode whiteboard (1).jpeg", "image/jpeg"
	files := []Attachment{sampleAttachment("slides.pdf"), photo}
	for _, tc := range []struct {
		body Body
		refs Refs
	}{
		{&Post{Type: PostDiscussion, Title: "Slides", Files: files}, Refs{}},
		{&Reply{Files: files}, Refs{Root: ID{1}}}, // a reply may be only files
		{&Note{Title: "Checklist", Text: "see file", Files: files}, Refs{}},
		{&Event{Title: "Call", Start: testNow.UnixMilli(), Files: files}, Refs{}},
	} {
		r := sign(t, key, ID{9}, testNow, tc.refs, tc.body)
		got, err := Validate(r.Encode(), testNow)
		if err != nil {
			t.Fatalf("%s with files: %v", tc.body.Kind(), err)
		}
		if body := got.Content(); !reflect.DeepEqual(body, tc.body) {
			t.Errorf("%s round trip: got %+v, want %+v", tc.body.Kind(), body, tc.body)
		}
	}
	one := sha256.Sum256([]byte("a"))
	if got := sampleAttachment("a").HashID(); got != RootOf(1, one[:]) {
		t.Errorf("HashID = %x", got)
	}

	long := strings.Repeat("é", 128) // 256 bytes
	bad := map[string]Attachment{
		"no hash":          {Size: 1, Name: "a", Type: "text/plain"},
		"short hash":       {Hash: make([]byte, 31), Name: "a", Type: "text/plain"},
		"long hash":        {Hash: make([]byte, 33), Name: "a", Type: "text/plain"},
		"too large":        {Hash: make([]byte, 32), Size: MaxAttachmentBytes + 1, Name: "a", Type: "text/plain"},
		"empty name":       {Hash: make([]byte, 32), Type: "text/plain"},
		"slash":            {Hash: make([]byte, 32), Name: "../../etc/passwd", Type: "text/plain"},
		"backslash":        {Hash: make([]byte, 32), Name: `..\boot.ini`, Type: "text/plain"},
		"dot dot":          {Hash: make([]byte, 32), Name: "..", Type: "text/plain"},
		"newline":          {Hash: make([]byte, 32), Name: "a\nb", Type: "text/plain"},
		"nul":              {Hash: make([]byte, 32), Name: "a\x00.txt", Type: "text/plain"},
		"bidi override":    {Hash: make([]byte, 32), Name: "invoice\u202egpj.exe", Type: "text/plain"},
		"leading space":    {Hash: make([]byte, 32), Name: " a", Type: "text/plain"},
		"long name":        {Hash: make([]byte, 32), Name: long, Type: "text/plain"},
		"bad utf-8":        {Hash: make([]byte, 32), Name: "a\xff", Type: "text/plain"},
		"no media type":    {Hash: make([]byte, 32), Name: "a"},
		"media parameters": {Hash: make([]byte, 32), Name: "a", Type: "text/plain; charset=utf-8"},
		"uppercase type":   {Hash: make([]byte, 32), Name: "a", Type: "Text/Plain"},
		"html in type":     {Hash: make([]byte, 32), Name: "a", Type: "text/<script>"},
	}
	for name, a := range bad {
		body := &Post{Type: PostDiscussion, Title: "t", Files: []Attachment{a}}
		if _, err := Sign(key, ID{9}, testNow.UnixMilli(), Refs{}, body); !errors.Is(err, ErrAttachment) {
			t.Errorf("%s: Sign gave %v, want %v", name, err, ErrAttachment)
		}
		h := Header{Version: 1, Kind: KindPost, Community: ID{9}, Author: PublicKeyOf(key), Created: testNow.UnixMilli()}
		_, err := Validate(forge(t, key, h, mustMarshal(t, body), true), testNow)
		if name == "bad utf-8" && errors.Is(err, ErrBody) {
			continue // CBOR text strings must be UTF-8: the decoder refuses it first
		}
		if !errors.Is(err, ErrAttachment) {
			t.Errorf("%s: Validate gave %v, want %v", name, err, ErrAttachment)
		}
	}
	twice := []Attachment{sampleAttachment("a"), sampleAttachment("a")}
	if _, err := Sign(key, ID{9}, testNow.UnixMilli(), Refs{Root: ID{1}}, &Reply{Text: "x", Files: twice}); !errors.Is(err, ErrAttachment) {
		t.Errorf("the same file twice: %v", err)
	}
	many := make([]Attachment, MaxAttachments+1)
	for i := range many {
		many[i] = sampleAttachment(strings.Repeat("f", i+1))
	}
	if _, err := Sign(key, ID{9}, testNow.UnixMilli(), Refs{}, &Note{Title: "n", Files: many}); !errors.Is(err, ErrAttachment) {
		t.Errorf("%d files: %v", len(many), err)
	}
	if _, err := Sign(key, ID{9}, testNow.UnixMilli(), Refs{Root: ID{1}}, &Reply{}); !errors.Is(err, ErrText) {
		t.Errorf("a reply with neither text nor files: %v", err)
	}
}

// FuzzCheckFileName: a name that passes is one path element that cannot
// climb out of a directory or hide characters.
func FuzzCheckFileName(f *testing.F) {
	for _, s := range []string{"a.pdf", "..", "a/b", "a\\b", " a", "a\x00", "\u202e", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckFileName(name) != "" {
			return
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00\n\r") || len(name) > MaxFileNameBytes {
			t.Errorf("CheckFileName accepted %q", name)
		}
	})
}
