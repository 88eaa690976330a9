// Command ferretdb-launcher runs FerretDB v1 with its SQLite backend.
//
// FerretDB's own cmd/ferretdb panics when built with `go install` (its version
// file is generated at release time), so we embed the library instead.
//
// Two things are added around it, both about how FerretDB v1.24.2 uses SQLite:
//
//   - An `_id` index FerretDB can use. FerretDB filters by `_id` (find, and every
//     update and delete, which it applies document by document) with the
//     expression _ferretdb_sjson->'$._id', but its own `_id_` index is on
//     _ferretdb_sjson->"_id": a different expression text, so SQLite scans the
//     whole table, and an update or delete holds the database's write lock
//     while it does. The launcher adds "<table>_huiyin_id" on exactly the query's
//     expression to every collection of every database file in -dir: at start
//     (before FerretDB opens the files) and, for collections created later, by
//     a scan every -id-index-every. FerretDB does not list the index (it is not
//     in its metadata) and drops it with the table.
//
//   - A longer SQLite busy timeout. Writers to one database file take turns on
//     its write lock; one that waits longer than the busy timeout (FerretDB's
//     default: 10 s) fails with "database is locked (SQLITE_BUSY)", which
//     clients see as InternalError (code 1). FerretDB passes the SQLite URI's
//     `_pragma` parameters through to every connection, so -busy-timeout sets it.
//
// `ferretdb explain-id -dir DIR -db DB -collection NAME` prints SQLite's plan
// for the statements FerretDB runs for an `_id` equality on that collection.
//
// `ferretdb snapshot SRC DST` writes a consistent copy of the SQLite database
// file SRC to DST (VACUUM INTO: one read transaction, so a server may go on
// writing meanwhile) — FerretDB's files and the Temporal dev server's alike.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", the one FerretDB itself uses
)

// The SQL text FerretDB v1.24.2's SQLite backend uses (internal/backends/sqlite:
// metadata.IDColumn, and the statements of collection.go Query, UpdateAll and
// DeleteAll). SQLite uses an expression index only when the query's expression
// is the same text, so idExpr must match FerretDB's exactly.
const (
	idExpr          = `_ferretdb_sjson->'$._id'`
	collectionsMeta = `_ferretdb_collections`
	idIndexSuffix   = `_huiyin_id`
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "explain-id" {
		os.Exit(explainID(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "snapshot" {
		os.Exit(snapshot(os.Args[2:]))
	}

	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "data/ferretdb", "directory for the SQLite database files")
	idIndex := flag.Bool("id-index", os.Getenv("HUIYIN_FERRETDB_ID_INDEX") != "off",
		"add the _id index FerretDB's queries can use (default false when HUIYIN_FERRETDB_ID_INDEX=off)")
	every := flag.Duration("id-index-every", time.Second, "how often to look for new collections")
	busy := flag.Duration("busy-timeout", 30*time.Second,
		"how long a SQLite writer waits for the write lock before failing with SQLITE_BUSY")
	flag.Parse()

	abs, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ix := &indexer{dir: abs, seen: map[string]fileStamp{}}
	if *idIndex {
		// Before FerretDB opens the files: building an index on a large existing
		// collection holds the write lock, and nobody is waiting for it yet.
		ix.scan(ctx)
	}

	q := url.Values{"_pragma": {fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds())}}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/?" + q.Encode(),
	})
	if err != nil {
		log.Fatal(err)
	}

	if *idIndex {
		go ix.watch(ctx, *every)
	}

	log.Printf("FerretDB listening on %s (SQLite in %s; busy timeout %s; _id index %s)",
		*addr, abs, *busy, map[bool]string{true: "on", false: "off"}[*idIndex])
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// indexer adds the _id index to the collections of the database files in dir.
type indexer struct {
	dir string
	// seen holds, per file, its stamp when a scan last found nothing left to do.
	seen     map[string]fileStamp
	lastFull time.Time
}

// fileStamp changes when a database changes: FerretDB writes to the WAL file
// (journal_mode=wal), and a checkpoint writes the main file.
type fileStamp struct {
	size, mtime, walSize, walMtime int64
}

func stampOf(path string) fileStamp {
	var s fileStamp
	if fi, err := os.Stat(path); err == nil {
		s.size, s.mtime = fi.Size(), fi.ModTime().UnixNano()
	}
	if fi, err := os.Stat(path + "-wal"); err == nil {
		s.walSize, s.walMtime = fi.Size(), fi.ModTime().UnixNano()
	}
	return s
}

func (ix *indexer) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ix.scan(ctx)
		}
	}
}

// scan visits each database file that changed since it was last found complete
// (and every file twice a minute, should a file system's timestamps be coarse).
func (ix *indexer) scan(ctx context.Context) {
	files, err := filepath.Glob(filepath.Join(ix.dir, "*.sqlite"))
	if err != nil {
		log.Printf("_id index: %v", err)
		return
	}
	full := time.Since(ix.lastFull) > 30*time.Second
	if full {
		ix.lastFull = time.Now()
	}
	present := map[string]bool{}
	for _, path := range files {
		present[path] = true
		// Stamped before the visit: a change made during it is visited next time.
		stamp := stampOf(path)
		if prev, ok := ix.seen[path]; ok && prev == stamp && !full {
			continue
		}
		if err := ensureIDIndexes(ctx, path); err != nil {
			if ctx.Err() == nil {
				log.Printf("_id index: %s: %v (will retry)", filepath.Base(path), err)
			}
			delete(ix.seen, path)
			continue
		}
		ix.seen[path] = stamp
	}
	for path := range ix.seen {
		if !present[path] {
			delete(ix.seen, path)
		}
	}
}

// openFile opens an existing database file (never creates one: a file FerretDB
// has just dropped must not come back) on a connection of its own that waits at
// most a few seconds for a lock. Callers hold it for milliseconds: a database
// dropped and at once created again under the same name while it is open could
// meet this connection's WAL, a risk kept small rather than excluded (nothing in
// FerretDB's public API tells when it drops a file).
func openFile(path string) (*sql.DB, error) {
	u := url.URL{Scheme: "file", Path: path, RawQuery: "mode=rw&_pragma=busy_timeout(5000)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// quote makes an SQL identifier of a table or index name.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// ensureIDIndexes creates the _id index for each collection of one database
// file that lacks it. The connection is held for milliseconds per visit, and
// the write lock only while an index is built (a new, still small table).
func ensureIDIndexes(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	db, err := openFile(path)
	if err != nil {
		return err
	}
	defer db.Close()

	type missing struct{ name, table string }
	var todo []missing
	rows, err := db.QueryContext(ctx, fmt.Sprintf(
		`SELECT c.name, c.table_name FROM %s c
		 WHERE EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = c.table_name)
		   AND NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = c.table_name || ?)`,
		quote(collectionsMeta)), idIndexSuffix)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // not (yet) a FerretDB database: its metadata table comes right after the file
		}
		return err
	}
	for rows.Next() {
		var m missing
		if err := rows.Scan(&m.name, &m.table); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	dbName := strings.TrimSuffix(filepath.Base(path), ".sqlite")
	var errs []error
	for _, m := range todo {
		start := time.Now()
		_, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (%s)`,
			quote(m.table+idIndexSuffix), quote(m.table), idExpr))
		switch {
		case err != nil && strings.Contains(err.Error(), "no such table"):
			// dropped meanwhile
		case err != nil:
			errs = append(errs, fmt.Errorf("%s.%s: %w", dbName, m.name, err))
		default:
			log.Printf("_id index: created %q for %s.%s in %s",
				m.table+idIndexSuffix, dbName, m.name, time.Since(start).Round(time.Millisecond))
		}
	}
	return errors.Join(errs...)
}

// explainID prints SQLite's query plan for the statements FerretDB v1.24.2 runs
// for an `_id` equality on one collection: find, update, delete.
func explainID(args []string) int {
	fs := flag.NewFlagSet("explain-id", flag.ExitOnError)
	dir := fs.String("dir", "data/ferretdb", "directory of the SQLite database files")
	dbName := fs.String("db", "", "database name")
	coll := fs.String("collection", "", "collection name")
	_ = fs.Parse(args)
	if *dbName == "" || *coll == "" {
		fmt.Fprintln(os.Stderr, "usage: ferretdb explain-id -dir DIR -db DB -collection NAME")
		return 2
	}

	db, err := openFile(filepath.Join(*dir, *dbName+".sqlite"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	ctx := context.Background()

	var table string
	err = db.QueryRowContext(ctx, fmt.Sprintf(`SELECT table_name FROM %s WHERE name = ?`, quote(collectionsMeta)), *coll).
		Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		err = errors.New("no such collection")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "collection %s.%s: %v\n", *dbName, *coll, err)
		return 1
	}

	id := `"x"` // an _id as FerretDB binds it (its JSON text); the plan does not depend on it
	statements := []struct {
		sql  string
		args []any
	}{
		{fmt.Sprintf(`SELECT _ferretdb_sjson FROM %s WHERE %s = ?`, quote(table), idExpr), []any{id}},
		{fmt.Sprintf(`UPDATE %s SET _ferretdb_sjson = ? WHERE %s = ?`, quote(table), idExpr), []any{"{}", id}},
		{fmt.Sprintf(`DELETE FROM %s WHERE %s IN (?)`, quote(table), idExpr), []any{id}},
	}
	for _, s := range statements {
		fmt.Println(s.sql)
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+s.sql, s.args...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				rows.Close()
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			fmt.Println("  " + detail)
		}
		rows.Close()
	}
	return 0
}

// snapshot copies one SQLite database file, consistent as of one moment, while
// its server keeps running.
func snapshot(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ferretdb snapshot SRC DST")
		return 2
	}
	db, err := openFile(args[0])
	if err == nil {
		defer db.Close()
		_, err = db.Exec(`VACUUM INTO ?`, args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "snapshot %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
