package ui_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/protocol"
)

// TestAttachmentsInTheBrowser: a member attaches files to a new thread
// with the file picker; the picture shows in the page, other files are
// downloads with their size, and a hostile file name is only text. On
// another member's node the picture arrives by itself, while a file over
// the automatic limit waits for a click on Fetch and then downloads
// byte for byte.
func TestAttachmentsInTheBrowser(t *testing.T) {
	ctx := browser(t)
	a, b := startNode(t), startNode(t)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Drawings"})

	dir := t.TempDir()
	pic := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			pic.Set(x, y, color.RGBA{uint8(6 * x), uint8(8 * y), 200, 255})
		}
	}
	var picBytes bytes.Buffer
	must(t, png.Encode(&picBytes, pic))
	picPath := filepath.Join(dir, "whiteboard.png")
	must(t, os.WriteFile(picPath, picBytes.Bytes(), 0o600))
	hostileName := `<img src=x onerror="window.pwned=true">.txt`
	hostilePath := filepath.Join(dir, hostileName)
	must(t, os.WriteFile(hostilePath, []byte("notes"), 0o600))
	big := bytes.Repeat([]byte("recording "), 3<<20) // 30 MiB: over the 25 MiB fetched unasked
	bigPath := filepath.Join(dir, "recording.bin")
	must(t, os.WriteFile(bigPath, big, 0o600))

	login(t, ctx, a)
	do(t, ctx, "attach files to a new thread",
		chromedp.Navigate(uiBase(a)+"/c/"+community.String()),
		chromedp.WaitVisible(`#post-title`),
		chromedp.SendKeys(`#post-title`, "Whiteboard from today"),
		chromedp.SetUploadFiles(`#post-files`, []string{picPath, hostilePath, bigPath}),
		chromedp.Click(`form.compose button`),
		chromedp.WaitVisible(`article.post h1`))
	location, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	thread, err := protocol.ParseID(location[strings.LastIndex(location, "/")+1:])
	must(t, err)
	shown := func() int {
		return eval[int](t, ctx, `(function(){var i=document.querySelector("article.post .files img");return i&&i.complete?i.naturalWidth:0})()`)
	}
	eventually(t, "the picture shown on the author's page", func() bool { return shown() == 40 })
	files := text(t, ctx, `article.post .files`)
	// (Browsers send '"' in a file name as %22.)
	for _, want := range []string{`<img src=x onerror=`, "recording.bin", "30.0 MiB", "whiteboard.png"} {
		if !strings.Contains(files, want) {
			t.Errorf("the thread's files lack %q: %q", want, files)
		}
	}
	assertInert(t, ctx)
	screenshot(t, ctx, "attachments")

	// Another member's node: the picture comes unasked, the recording
	// when asked.
	eventually(t, "the thread on the other node", func() bool {
		d, err := b.Thread(context.Background(), thread)
		return err == nil && len(d.Files) == 3
	})
	login(t, ctx, b)
	eventually(t, "the picture on the other node", func() bool {
		do(t, ctx, "open the thread", chromedp.Navigate(uiBase(b)+"/t/"+thread.String()), chromedp.WaitVisible(`article.post h1`))
		return shown() == 40
	})
	assertInert(t, ctx)
	if got := text(t, ctx, `article.post .files`); !strings.Contains(got, "not on this node yet") {
		t.Fatalf("the recording before it was fetched: %q", got)
	}
	do(t, ctx, "fetch the recording", chromedp.Click(`form.file-fetch button`))
	deadline := time.Now().Add(30 * time.Second)
	for eval[int](t, ctx, `document.querySelectorAll('article.post .files a[download="recording.bin"]').length`) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the recording never became a download: %q", text(t, ctx, `article.post .files`))
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The download is the file, as an attachment, never rendered.
	href := eval[string](t, ctx, `document.querySelector('article.post .files a[download="recording.bin"]').getAttribute("href")`)
	s := newSession(t, b)
	req, _ := http.NewRequest(http.MethodGet, uiBase(b)+href, nil)
	req.AddCookie(s.cookie)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, big) || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download: %d bytes, %q, %q", len(got), resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
}
