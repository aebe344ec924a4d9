// Rule 1: directories go, base names stay. Fields that are paths (file, module) keep their
// last component; paths embedded in names (JIT frames, `file://` URLs, Windows paths) are
// cut to their last component in place.

/** Last component of a Unix or Windows path (`C:\a\b.dll` → `b.dll`, `/a/b/` → `b`). */
export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut < 0 ? trimmed : trimmed.slice(cut + 1);
}

// Where an absolute path starts inside text: an optional file:// scheme, ~ or drive letter,
// then a separator followed by a name. Not after a word character, so Go import paths
// (github.com/acme/auth) and names like kworker/0:1 are left to rule 2 or alone.
const PATH_START = /(?<![\w.@$~-])(?:file:\/\/)?(?:~|[A-Za-z]:)?[\\/](?=[^\\/\s])/;

/**
 * Removes the directories of an absolute path found in a name: everything from where the
 * path starts to the last separator of the name. Cutting to the last separator (rather than
 * to the end of a path-like token) also removes directories whose names contain spaces;
 * the price is that text after the path which contains a separator is cut too.
 */
export function stripEmbeddedPaths(text: string): string {
  const start = PATH_START.exec(text);
  if (start === null) return text;
  const last = Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\'));
  return text.slice(0, start.index) + text.slice(last + 1);
}

/** For a field that is a path: its base name, unless it is a bracketed pseudo-mapping like `[vdso]`. */
export function stripPathField(path: string): string {
  if (path === '' || /^\[[^\]]*\]$/.test(path)) return path;
  return basename(path);
}
