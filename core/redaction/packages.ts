// Rule 2: package paths shortened to their last segment, in every qualified name found in a
// function name (so template and generic arguments are shortened too).
//   Go     github.com/acme/auth.(*Server).VerifyToken   → auth.(*Server).VerifyToken
//   Java   com.acme.auth.TokenService.verify            → auth.TokenService.verify
//   C++    acme::auth::Session::check(int)              → auth::Session::check(int)
//   Rust   acme_auth::token::verify::h1234abcd5678ef90  → token::verify

const RUST_LEGACY_HASH = /::h[0-9a-f]{8,16}(?![\w])/g;
const SLASH_PATH = /(?<![\w.\-/~])(?:[\w.\-~]+\/)+(?=[\w.\-~])/g;
const JAVA_PACKAGES = /(?<![\w$.])(?:[a-z_][a-z0-9_]*\.)+([a-z_][a-z0-9_]*\.)(?=[A-Z$])/g;
const COLON_CHAIN = /(?<![\w:])(?:[A-Za-z_]\w*::){2,}~?[A-Za-z_]\w*/g;

export function shortenPackages(name: string): string {
  return name
    .replace(RUST_LEGACY_HASH, '')
    .replace(SLASH_PATH, keepMajorVersionParent)
    .replace(JAVA_PACKAGES, '$1')
    .replace(COLON_CHAIN, shortenColonChain);
}

/** Go major-version suffixes are not a package name: `github.com/acme/auth/v2.F` → `auth/v2.F`. */
function keepMajorVersionParent(match: string, offset: number, whole: string): string {
  if (!/^v\d+\./.test(whole.slice(offset + match.length))) return '';
  const segments = match.split('/');
  return `${segments[segments.length - 2] ?? ''}/`;
}

/** Keeps the last segment, the type-like (capitalized) segments before it, and one namespace. */
function shortenColonChain(chain: string): string {
  const parts = chain.split('::');
  let keep = parts.length - 1;
  while (keep > 0 && /^~?[A-Z]/.test(parts[keep - 1] ?? '')) keep--;
  keep = Math.max(0, keep - 1);
  return parts.slice(keep).join('::');
}
