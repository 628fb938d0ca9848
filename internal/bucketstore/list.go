package bucketstore

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// ListOptions are the parameters of ListObjectsV2 (and ListObjects).
type ListOptions struct {
	Prefix    string
	Delimiter string
	// After lists only what sorts after it: the StartAfter key, the
	// ListObjects marker, or the last item of the previous page.
	After string
	// AfterIsPrefix says After was a common prefix returned by the previous
	// page, so every key under it is skipped too.
	AfterIsPrefix bool
	MaxKeys       int
}

// ListResult is one page of a listing.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	// Truncated says more items follow; resume after LastItem (with
	// AfterIsPrefix = LastIsPrefix).
	Truncated    bool
	LastItem     string
	LastIsPrefix bool
}

// List lists a bucket in S3 key order (bytewise), lazily: it reads only the
// folders that can hold keys of the page.
//
// Why the walk yields key order: inside one folder, every key below entry
// "x" starts with "x" for a file and "x/" for a folder, and no entry's
// name is a proper prefix of these for another entry in a way that breaks
// order (a file "x" and a folder "x" cannot coexist). So sorting entries
// by name, with "/" appended to folder names, and walking depth first
// visits keys in order: "a-c" comes before the folder "a/" since '-' <
// '/'.
func (s *Store) List(account, bucket string, o ListOptions) (ListResult, error) {
	if err := s.HeadBucket(account, bucket); err != nil {
		return ListResult{}, err
	}
	w := &walker{s: s, o: o, base: account + "/" + bucket}
	if o.MaxKeys <= 0 {
		return ListResult{}, nil
	}
	err := w.walk("", "")
	if err != nil && !errors.Is(err, errPageFull) {
		return ListResult{}, fmt.Errorf("bucketstore: list %s: %w", bucket, err)
	}
	return w.res, nil
}

var errPageFull = errors.New("page full")

type walker struct {
	s      *Store
	o      ListOptions
	base   string
	res    ListResult
	count  int
	lastCP string
}

type dirEntry struct {
	name  string
	sort  string
	isDir bool
}

// walk visits the folder rel (relative to the bucket, "" for its root),
// whose keys start with keyPrefix.
func (w *walker) walk(rel, keyPrefix string) error {
	entries, err := w.readDir(rel)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.isDir {
			kp := keyPrefix + e.name + "/"
			if !strings.HasPrefix(kp, w.o.Prefix) && !strings.HasPrefix(w.o.Prefix, kp) {
				continue
			}
			if kp < w.o.After && !strings.HasPrefix(w.o.After, kp) {
				continue // every key below sorts before After
			}
			if w.o.AfterIsPrefix && strings.HasPrefix(kp, w.o.After) {
				continue // below the common prefix that ended the last page
			}
			if cp, ok := w.commonPrefix(kp); ok {
				// The whole folder folds into one common prefix, if it
				// holds any object at all.
				if cp == w.lastCP || w.skipped(cp, true) {
					continue
				}
				nonEmpty, err := w.hasObject(rel + "/" + e.name)
				if err != nil {
					return err
				}
				if nonEmpty {
					if err := w.emitPrefix(cp); err != nil {
						return err
					}
				}
				continue
			}
			if err := w.walk(rel+"/"+e.name, kp); err != nil {
				return err
			}
			continue
		}
		key := keyPrefix + e.name
		if !strings.HasPrefix(key, w.o.Prefix) {
			continue
		}
		if cp, ok := w.commonPrefix(key); ok {
			if cp != w.lastCP && !w.skipped(cp, true) {
				if err := w.emitPrefix(cp); err != nil {
					return err
				}
			}
			continue
		}
		if w.skipped(key, false) {
			continue
		}
		if err := w.emitObject(rel+"/"+e.name, key); err != nil {
			return err
		}
	}
	return nil
}

// commonPrefix returns the common prefix s folds into under the listing's
// Delimiter, if any.
func (w *walker) commonPrefix(s string) (string, bool) {
	if w.o.Delimiter == "" || !strings.HasPrefix(s, w.o.Prefix) {
		return "", false
	}
	rest := s[len(w.o.Prefix):]
	i := strings.Index(rest, w.o.Delimiter)
	if i < 0 {
		return "", false
	}
	return s[:len(w.o.Prefix)+i+len(w.o.Delimiter)], true
}

// skipped reports whether an item was on an earlier page.
func (w *walker) skipped(item string, isPrefix bool) bool {
	if w.o.After == "" {
		return false
	}
	if item <= w.o.After {
		return true
	}
	// Keys under the common prefix that ended the previous page.
	return w.o.AfterIsPrefix && !isPrefix && strings.HasPrefix(item, w.o.After)
}

func (w *walker) full() error {
	if w.count >= w.o.MaxKeys {
		w.res.Truncated = true
		return errPageFull
	}
	return nil
}

func (w *walker) emitPrefix(cp string) error {
	if err := w.full(); err != nil {
		return err
	}
	w.count++
	w.lastCP = cp
	w.res.CommonPrefixes = append(w.res.CommonPrefixes, cp)
	w.res.LastItem, w.res.LastIsPrefix = cp, true
	return nil
}

func (w *walker) emitObject(rel, key string) error {
	if err := w.full(); err != nil {
		return err
	}
	f, err := w.s.root.Open(filepath.FromSlash(w.base + rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listing
		}
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	etag, err := fileETag(f)
	if err != nil {
		return err
	}
	w.count++
	w.res.Objects = append(w.res.Objects, ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC(), ETag: etag})
	w.res.LastItem, w.res.LastIsPrefix = key, false
	return nil
}

// readDir returns a folder's entries in key order (see List).
func (w *walker) readDir(rel string) ([]dirEntry, error) {
	d, err := w.s.root.Open(filepath.FromSlash(w.base + rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	raw, err := d.ReadDir(-1)
	_ = d.Close()
	if err != nil {
		return nil, err
	}
	out := make([]dirEntry, 0, len(raw))
	for _, e := range raw {
		switch {
		case e.IsDir():
			out = append(out, dirEntry{name: e.Name(), sort: e.Name() + "/", isDir: true})
		case e.Type().IsRegular():
			out = append(out, dirEntry{name: e.Name(), sort: e.Name()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].sort < out[j].sort })
	return out, nil
}

// hasObject reports whether a folder holds at least one object at any
// depth (deletes remove empty folders, but a crash can leave one).
func (w *walker) hasObject(rel string) (bool, error) {
	entries, err := w.readDir(rel)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !e.isDir {
			return true, nil
		}
		if ok, err := w.hasObject(rel + "/" + e.name); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}
