// Rule 1: directories go, base names stay. Fields that are paths (file, module) keep their
// last component; paths embedded in names (JIT frames, `file://` URLs, Windows paths) are
// cut to their last component in place.

/** Last component of a Unix or Windows path (`C:\a\b.dll` → `b.dll`, `/a/b/` → `b`). */
export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return cut < 0 ? trimmed : trimmed.slice(cut + 1);
}

// An absolute path inside text: optional file:// scheme, optional ~ or drive letter, then
// separator-led segments up to the last separator. Not after a word character, so Go import
// paths (github.com/acme/auth) and names like kworker/0:1 are left to rule 2 or alone.
const EMBEDDED_DIRS = /(?<![\w.@$~-])(?:file:\/\/)?(?:~|[A-Za-z]:)?(?:[\\/][^\\/\s'"<>|()]*)+[\\/](?=[^\\/\s])/g;

/** Removes the directories of absolute paths found in a name. */
export function stripEmbeddedPaths(text: string): string {
  return text.replace(EMBEDDED_DIRS, '');
}

/** For a field that is a path: its base name, unless it is a bracketed pseudo-mapping like `[vdso]`. */
export function stripPathField(path: string): string {
  if (path === '' || /^\[[^\]]*\]$/.test(path)) return path;
  return basename(path);
}
