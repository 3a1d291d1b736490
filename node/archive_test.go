package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
	"github.com/kith-network/kith/protocol/prototest"
)

// TestImportRefusesTampering: the daemon validates an archive itself
// (not only the CLI): a record changed on the way is refused by its
// number, an archive without its genesis is refused whole, a header that
// announces another set is reported, and a valid archive gives the
// exporter's digest.
func TestImportRefusesTampering(t *testing.T) {
	ctx := context.Background()
	a := startSearchNode(t, t.TempDir())
	defer a.Close()
	c, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Archive"})
	must(t, err)
	_, err = a.Post(ctx, c, api.PostRequest{Title: "Kept", Body: "whole and signed"})
	must(t, err)
	var archive bytes.Buffer
	must(t, a.Export(ctx, c, &archive))

	b := startSearchNode(t, t.TempDir())
	defer b.Close()
	bad := bytes.Replace(archive.Bytes(), []byte("whole and signed"), []byte("whole and forged"), 1)
	if _, err := b.Import(ctx, bytes.NewReader(bad)); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "of the archive is refused") {
		t.Errorf("tampered archive: %v", err)
	}
	if _, err := b.Import(ctx, bytes.NewReader(archive.Bytes()[:archive.Len()-10])); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("truncated archive: %v", err)
	}
	// Valid records without their genesis: refused before any is stored.
	_, recs := prototest.ArchiveRecords(t, archive.Bytes())
	if recs[0].ID() != c {
		t.Errorf("the export does not start with the genesis")
	}
	if _, err := b.Import(ctx, bytes.NewReader(prototest.Archive(t, c, recs[1:]))); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "do not include its genesis") {
		t.Errorf("archive without its genesis: %v", err)
	}
	if list, _ := b.Communities(ctx); len(list) != 0 {
		t.Errorf("an archive without its genesis left %+v", list)
	}
	// A header announcing another set: the records are stored (each is
	// valid, as if synced) and the import says the archive is not whole.
	otherSet := bytes.Replace(prototest.Archive(t, c, recs[:1]), []byte(`"records":1,"digest":"`), []byte(`"records":1,"digest":"00`), 1)
	if _, err := b.Import(ctx, bytes.NewReader(otherSet)); !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "its header announces") {
		t.Errorf("archive with another digest: %v", err)
	}
	res, err := b.Import(ctx, bytes.NewReader(archive.Bytes()))
	must(t, err)
	if res.Records != res.Announced || res.Records < 2 || res.Digest != res.AnnouncedDigest || res.Held != res.Announced {
		t.Errorf("import: %+v", res)
	}
}

// TestImportCutShortSaysWhatIsKept: an archive that ends in its middle
// (a copy cut short, sent straight to the API) is refused, saying how
// many of its records were stored; the node follows the community they
// are of, and the whole archive then imports.
func TestImportCutShortSaysWhatIsKept(t *testing.T) {
	ctx := context.Background()
	c, recs := benchRecords(t, importBatch+500)
	whole := prototest.Archive(t, c, recs)
	n := startTestNode(t)
	_, err := n.Import(ctx, bytes.NewReader(whole[:len(whole)*3/4]))
	if !errors.Is(err, api.ErrBadRequest) || !strings.Contains(err.Error(), "cut short") ||
		!strings.Contains(err.Error(), fmt.Sprintf("the archive's first %d records were checked and taken in", importBatch)) {
		t.Fatalf("an archive cut short: %v", err)
	}
	if _, held := n.store.Fingerprint(c, protocol.Position{}, protocol.MaxPosition); held != importBatch {
		t.Errorf("the node holds %d records, want %d", held, importBatch)
	}
	if !n.gossip.Joined(c) {
		t.Error("the node does not follow the community whose records it stored")
	}
	res, err := n.Import(ctx, bytes.NewReader(whole))
	must(t, err)
	if res.Added != len(recs)-importBatch || res.Held != uint64(len(recs)) {
		t.Errorf("the whole archive then: %+v", res)
	}
}
