package ui_test

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kith-network/kith/internal/syncbuf"
	"github.com/kith-network/kith/node"
	"github.com/kith-network/kith/node/api"
	"github.com/kith-network/kith/node/home"
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

// logBuffer is an io.Writer for a node's log that tests may read while
// the node writes.
type logBuffer = syncbuf.Buffer

// startSmallNode starts a node that keeps files up to maxMiB and fetches
// none unasked, logging to log.
func startSmallNode(t *testing.T, maxMiB int64, log *logBuffer) *node.Node {
	t.Helper()
	n, err := node.Start(context.Background(), node.Config{Home: home.Home{Dir: t.TempDir()}, Loopback: true, API: "127.0.0.1:0",
		MaxFileBytes: maxMiB << 20, AutoFetchBytes: -1, Logger: slog.New(slog.NewTextHandler(log, nil))})
	must(t, err)
	t.Cleanup(func() { n.Close() })
	return n
}

// postFiles has n post a thread in community with files of the given
// sizes, named by their keys, and returns the thread and the files.
func postFiles(t *testing.T, n *node.Node, community protocol.ID, sizes map[string]int) (protocol.ID, map[string]api.File) {
	t.Helper()
	ctx := context.Background()
	files := make(map[string]api.File)
	var all []api.File
	for name, size := range sizes {
		f, err := n.AddFile(ctx, bytes.NewReader(bytes.Repeat([]byte(name[:1]), size)), name, "application/octet-stream")
		must(t, err)
		files[name] = f
		all = append(all, f)
	}
	post, err := n.Post(ctx, community, api.PostRequest{Title: "Files", Files: all})
	must(t, err)
	return post, files
}

// TestFileOverTheLimitIsNotOffered: a file larger than this node keeps
// (max_file_mb) has no Fetch button, which could only fail; the page
// says why it cannot be fetched here, the limit and the setting that
// changes it. A file within the limit keeps its button.
func TestFileOverTheLimitIsNotOffered(t *testing.T) {
	a, b := startNode(t), startSmallNode(t, 2, new(logBuffer))
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Recordings"})
	thread, files := postFiles(t, a, community, map[string]int{"recording.bin": 3 << 20, "notes.txt": 100})
	eventually(t, "the thread on b", func() bool {
		d, err := b.Thread(context.Background(), thread)
		return err == nil && len(d.Files) == 2
	})
	_, _, page := newSession(t, b).get("/t/" + thread.String())
	if strings.Contains(page, "/files/"+files["recording.bin"].Hash.String()+"/fetch") {
		t.Error("a Fetch button for a file over the node's limit")
	}
	for _, want := range []string{"cannot be fetched here", "2.0 MiB", "max_file_mb", "/files/" + files["notes.txt"].Hash.String() + "/fetch"} {
		if !strings.Contains(page, want) {
			t.Errorf("the thread page lacks %q", want)
		}
	}
}

// TestFailedFetchIsShownAndLogged: a fetch that fails (here: the only
// node holding the file is gone) is an error page saying why, the node's
// log says so, and the thread page then shows why beside the file and
// its Fetch button.
func TestFailedFetchIsShownAndLogged(t *testing.T) {
	var log logBuffer
	a, b := startNode(t), startSmallNode(t, 10, &log)
	community := sharedCommunity(t, a, b, api.CreateCommunityRequest{Name: "Recordings"})
	thread, files := postFiles(t, a, community, map[string]int{"minutes.txt": 100})
	eventually(t, "the thread on b", func() bool {
		d, err := b.Thread(context.Background(), thread)
		return err == nil && len(d.Files) == 1
	})
	a.Close()
	eventually(t, "a gone from b's peers", func() bool {
		ps, err := b.Peers(context.Background())
		return err == nil && len(ps) == 0
	})
	s := newSession(t, b)
	back := "/t/" + thread.String()
	status, _, page := s.post("/files/"+files["minutes.txt"].Hash.String()+"/fetch", s.base, url.Values{"back": {back}})
	if status != http.StatusServiceUnavailable || !strings.Contains(page, "no connected peer") {
		t.Errorf("fetch with no one to fetch from: %d; want 503 and why:\n%s", status, page)
	}
	if l := log.String(); !strings.Contains(l, "minutes.txt") || !strings.Contains(l, "no connected peer") {
		t.Errorf("the failed fetch is not logged:\n%s", l)
	}
	_, _, page = s.get(back)
	if !strings.Contains(page, "The last fetch failed") || !strings.Contains(page, "no connected peer") ||
		!strings.Contains(page, "/files/"+files["minutes.txt"].Hash.String()+"/fetch") {
		t.Errorf("the thread page after the failed fetch does not say why, with the button to try again:\n%s", page)
	}
}

// TestUploadOverTheLimitSaysSoOnce: a form with a file over the node's
// limit is refused in one message that names the file, the limit and the
// setting (it said "bad request: attach ...: bad request: ...", and the
// limit in bytes); "Bad Request" is the page's title only.
func TestUploadOverTheLimitSaysSoOnce(t *testing.T) {
	n := startSmallNode(t, 1, new(logBuffer))
	community, err := n.CreateCommunity(context.Background(), api.CreateCommunityRequest{Name: "Uploads"})
	must(t, err)
	status, page := postWithFile(t, newSession(t, n), community, "A big file", "big.bin", bytes.Repeat([]byte("x"), 2<<20))
	if status != http.StatusBadRequest {
		t.Fatalf("a file over the limit: %d, want 400:\n%s", status, page)
	}
	msg := page[strings.Index(page, `<p class="error">`):]
	msg = msg[:strings.Index(msg, "</p>")]
	if strings.Count(strings.ToLower(msg), "bad request") > 0 { // the page's title says it
		t.Errorf("the message says bad request more than once: %s", msg)
	}
	for _, want := range []string{"big.bin", "1.0 MiB", "max_file_mb", "A big file"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q: %s", want, msg)
		}
	}
}

// TestSameBytesTwoNames: the same bytes attached by two posts under two
// names are saved under the name of the post the member looked at; a
// name no record gives is not taken.
func TestSameBytesTwoNames(t *testing.T) {
	a := startNode(t)
	ctx := context.Background()
	community, err := a.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Reports"})
	must(t, err)
	var threads []protocol.ID
	for _, name := range []string{"q3-report.pdf", "budget.pdf"} {
		f, err := a.AddFile(ctx, strings.NewReader("the same bytes"), name, "application/pdf")
		must(t, err)
		p, err := a.Post(ctx, community, api.PostRequest{Title: name, Files: []api.File{f}})
		must(t, err)
		threads = append(threads, p)
	}
	s := newSession(t, a)
	disposition := func(path string) string {
		req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
		must(t, err)
		req.AddCookie(s.cookie)
		resp, err := s.client.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return resp.Header.Get("Content-Disposition")
	}
	var link string
	for i, want := range []string{"q3-report.pdf", "budget.pdf"} {
		_, _, page := s.get("/t/" + threads[i].String())
		at := strings.Index(page, `href="/files/`)
		if at < 0 {
			t.Fatalf("thread %s links no file", want)
		}
		link = html.UnescapeString(page[at+len(`href="`) : at+strings.Index(page[at:], `" download`)])
		if got := disposition(link); !strings.Contains(got, `filename=`+want) {
			t.Errorf("the file of the thread %s downloads as %q", want, got)
		}
	}
	forged := strings.Replace(link, "budget.pdf", "invoice.exe", 1)
	if got := disposition(forged); strings.Contains(got, "invoice.exe") {
		t.Errorf("a name no record gives was taken: %q", got)
	}
}

// TestUploadWithAWindowsPath: a file sent with the whole path a browser
// on Windows may give is attached under its last part.
func TestUploadWithAWindowsPath(t *testing.T) {
	n := startNode(t)
	ctx := context.Background()
	community, err := n.CreateCommunity(ctx, api.CreateCommunityRequest{Name: "Uploads"})
	must(t, err)
	if status, page := postWithFile(t, newSession(t, n), community, "From Windows", `C:\Users\ada\Documents\report.txt`, []byte("quarterly numbers")); status != http.StatusSeeOther {
		t.Fatalf("the upload: %d\n%s", status, page)
	}
	fs, err := n.Files(ctx, community, "", 10)
	must(t, err)
	if len(fs.Files) != 1 || fs.Files[0].Name != "report.txt" {
		t.Errorf("attached as %+v, want report.txt", fs.Files)
	}
}

// postWithFile sends the new-thread form of community with a title and
// one file, as a browser does: the answer's status and body.
func postWithFile(t *testing.T, s *session, community protocol.ID, title, fileName string, data []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	must(t, mw.WriteField("title", title))
	fw, err := mw.CreateFormFile("files", fileName)
	must(t, err)
	fw.Write(data)
	must(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, s.base+"/c/"+community.String()+"/posts", &body)
	must(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", s.base)
	status, _, page := s.send(req)
	return status, page
}
